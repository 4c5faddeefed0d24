namespace Graft.FeatureCache.Datasets;

/// <summary>
/// A class-names file, one name per line in label order (TFDS <c>label.labels.txt</c>, an IDX folder's
/// <c>labels.txt</c>). Trailing blank lines are ignored; a blank line inside would shift every later label, so it is refused.
/// </summary>
internal static class LabelNamesFile
{
    public static IReadOnlyList<string> Read(string path)
    {
        FileNode.RequireRegularFile(path, "label names file");
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        var blank = lines.IndexOf("");
        if (blank >= 0)
            throw new GraftException($"Line {blank + 1} of the class names file '{path}' is empty.",
                "Write one class name per line, in label order, without blank lines.");
        if (lines.Count == 0)
            throw new GraftException($"The class names file '{path}' is empty.", "Write one class name per line, in label order.");
        return lines;
    }
}

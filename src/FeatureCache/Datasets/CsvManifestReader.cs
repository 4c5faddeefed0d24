using CsvHelper;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Reads a CSV manifest <c>path,label[,split]</c> (RFC 4180 quoting, so class names may hold commas, quotes and
/// line breaks; a .tsv file is tab-separated). The first row is a header when its first field is "path", "file",
/// "filename" or "image" (any case); a header may then name the label column (label, class, category) and the split
/// column (split, subset) in any position, otherwise columns are positional. Labels are class names; the class list is
/// the distinct names sorted ordinally. Paths are relative to the CSV's folder or absolute. Missing image files are not
/// an error here: the precompute run reports them per item (their <see cref="DatasetItem.Read"/> throws
/// <see cref="FileNotFoundException"/>). Without a split column the split is stratified. A label holding a control
/// character (a quoted newline, an escape) is refused with its line (<see cref="ClassNameRules"/>).
/// </summary>
internal static class CsvManifestReader
{
    private static readonly string[] PathHeaders = ["path", "file", "filename", "image"];
    private static readonly string[] LabelHeaders = ["label", "class", "category"];
    private static readonly string[] SplitHeaders = ["split", "subset"];

    private sealed record Row(long Line, string Path, string Label, string? Split);

    public static DatasetListing Read(string csvPath, SplitRatios ratios, int seed, double maxFileMegabytes)
    {
        if (Directory.Exists(csvPath))
            throw new GraftException($"The CSV layout needs a manifest file, but '{csvPath}' is a folder.",
                "Pass the CSV file itself (path,label[,split] per line).");
        FileNode.RequireRegularFile(csvPath, "CSV manifest");

        var rows = ReadRows(csvPath);
        var folder = Path.GetDirectoryName(csvPath)!;
        var classNames = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var labelOf = classNames.Select((name, index) => (name, index)).ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);

        var entries = new List<(string Id, int Label, Split? Split, string FullPath)>(rows.Count);
        var lineOfId = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var full = Path.GetFullPath(Path.IsPathRooted(row.Path) ? row.Path : Path.Combine(folder, row.Path));
            var relative = Path.GetRelativePath(folder, full);
            var id = (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative).Replace('\\', '/');
            if (!lineOfId.TryAdd(id, row.Line))
                throw new GraftException($"'{csvPath}' lists '{row.Path}' twice (lines {lineOfId[id]} and {row.Line}).",
                    "Keep one row per image.");
            entries.Add((id, labelOf[row.Label], row.Split is null ? null : ParseSplit(row, csvPath), full));
        }

        var hasSplits = rows[0].Split is not null;
        var stratified = hasSplits ? null : StratifiedSplitter.Assign(entries.Select(e => (e.Id, e.Label)), ratios, seed);
        var items = entries.Select(e =>
        {
            var full = e.FullPath;
            return new DatasetItem(e.Id, e.Label, e.Split ?? stratified![e.Id], () => ImageFileReader.Read(full, maxFileMegabytes));
        }).ToArray();
        var source = hasSplits ? "split column of the CSV" : StratifiedSplitter.Describe(ratios, seed);
        return new DatasetListing(csvPath, classNames, items, source, []);
    }

    private static Split ParseSplit(Row row, string csvPath) => SplitNames.TryParse(row.Split, out var split)
        ? split
        : throw new GraftException($"Unknown split '{row.Split}' on line {row.Line} of '{csvPath}'.",
            "Use train, validation (or val) or test in the split column.");

    private static List<Row> ReadRows(string csvPath)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = false,
            Separator = csvPath.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',',
            Mode = CsvMode.Rfc4180,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            TrimWhitespace = true,
            // A quote left open would silently swallow the rest of the file; stop and name the line instead.
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        var rows = new List<Row>();
        try
        {
            using var reader = CsvReader.FromFile(csvPath, options);
            int pathColumn = 0, labelColumn = 1, splitColumn = -1;
            var first = true;
            while (reader.Read())
            {
                var fields = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetString(i).Trim()).ToArray();
                if (first)
                {
                    first = false;
                    if (PathHeaders.Contains(fields[0], StringComparer.OrdinalIgnoreCase))
                    {
                        labelColumn = IndexOf(fields, LabelHeaders) ?? 1;
                        splitColumn = IndexOf(fields, SplitHeaders) ?? (fields.Length >= 3 ? 2 : -1);
                        continue;
                    }
                    splitColumn = fields.Length >= 3 ? 2 : -1;
                }
                rows.Add(ToRow(fields, reader.LineNumber, pathColumn, labelColumn, splitColumn, csvPath));
            }
        }
        catch (CsvFormatException e)
        {
            throw new GraftException($"'{csvPath}' is not valid CSV near line {e.LineNumber}: {e.Message}",
                "Quote fields that contain commas or quotes (\"Pepper, bell (red)\"), doubling inner quotes.", e);
        }
        if (rows.Count == 0)
            throw new GraftException($"The CSV manifest '{csvPath}' lists no images.", "Add rows path,label[,split].");
        return rows;
    }

    private static Row ToRow(string[] fields, long line, int pathColumn, int labelColumn, int splitColumn, string csvPath)
    {
        string? Field(int column) => column >= 0 && column < fields.Length && fields[column].Length > 0 ? fields[column] : null;
        var path = Field(pathColumn) ?? throw MissingField("path", line, csvPath);
        var label = Field(labelColumn) ?? throw MissingField("label", line, csvPath);
        ClassNameRules.Check(label, $"line {line} of '{csvPath}'", "Fix the label in the manifest: class names become lines of classes.txt and are printed to terminals.");
        var split = splitColumn < 0 ? null : Field(splitColumn) ?? throw MissingField("split", line, csvPath);
        return new Row(line, path, label, split);
    }

    private static GraftException MissingField(string what, long line, string csvPath) =>
        new($"Line {line} of '{csvPath}' has no {what}.", "Every row needs path,label (and a split when the file has a split column).");

    private static int? IndexOf(string[] header, string[] names)
    {
        var index = Array.FindIndex(header, h => names.Contains(h, StringComparer.OrdinalIgnoreCase));
        return index < 0 ? null : index;
    }
}

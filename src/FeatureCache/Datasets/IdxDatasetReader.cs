using System.Text.RegularExpressions;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Reads MNIST-style IDX datasets (MNIST, Fashion-MNIST): a folder with <c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each optionally
/// gzipped (the path of one of those files also works). train is <see cref="Split.Train"/>, t10k <see cref="Split.Test"/>;
/// IDX has no validation split. Labels are read at load; pixels are loaded once, on the first <see cref="DatasetItem.Read"/>
/// of a split, and items slice their 28×28 grey bytes out of that buffer (<see cref="ImageData.Raw"/>).
/// Class names: a <c>labels.txt</c> beside the files (one per line) wins; otherwise the Fashion-MNIST names when the
/// folder or file names say "fashion"; otherwise the digits "0".."9".
/// </summary>
internal static partial class IdxDatasetReader
{
    /// <summary>Fashion-MNIST class names in label order (github.com/zalandoresearch/fashion-mnist).</summary>
    public static readonly IReadOnlyList<string> FashionClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly (string Set, Split Split)[] Sets = [("train", Split.Train), ("t10k", Split.Test)];

    [GeneratedRegex(@"^(?<set>train|t10k)-(?<kind>images-idx3|labels-idx1)-ubyte(?<gz>\.gz)?$", RegexOptions.IgnoreCase)]
    private static partial Regex IdxFileName();

    public static bool IsIdxFileName(string path) => IdxFileName().IsMatch(Path.GetFileName(path));

    public static bool LooksLikeIdx(string folder) => FindFiles(folder).Count > 0;

    public static DatasetListing Read(string path, IReadOnlyList<Split>? wanted)
    {
        var folder = File.Exists(path) ? Path.GetDirectoryName(path)! : path;
        var files = FindFiles(folder);
        if (files.Count == 0)
            throw new GraftException($"'{folder}' holds no IDX files.",
                "Expected train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz].");

        var items = new List<DatasetItem>();
        var maxLabel = 0;
        var present = new List<string>();
        foreach (var (set, split) in Sets)
        {
            files.TryGetValue((set, "images-idx3"), out var imagesPath);
            files.TryGetValue((set, "labels-idx1"), out var labelsPath);
            if (imagesPath is null && labelsPath is null) continue;
            if (imagesPath is null || labelsPath is null)
                throw new GraftException($"'{folder}' has {Path.GetFileName(imagesPath ?? labelsPath)} but not its {(imagesPath is null ? "images" : "labels")} file.",
                    $"Put {set}-images-idx3-ubyte and {set}-labels-idx1-ubyte (optionally .gz) side by side.");
            present.Add(set);
            if (wanted is not null && !wanted.Contains(split)) continue;
            var labels = ReadSet(imagesPath, labelsPath, split, items);
            maxLabel = Math.Max(maxLabel, labels.Length == 0 ? 0 : labels.Max());
        }

        var classNames = ClassNames(folder, files.Values);
        if (maxLabel >= classNames.Count)
            throw new GraftException($"'{folder}' has label {maxLabel}, but only {classNames.Count} class names.",
                $"Write {maxLabel + 1} names (one per line) to {Path.Combine(folder, "labels.txt")}.");
        var source = $"IDX files ({string.Join(", ", present.Select(s => s == "train" ? "train → train" : "t10k → test"))}; IDX has no validation split)";
        return new DatasetListing(folder, classNames, items, source, []);
    }

    private static byte[] ReadSet(string imagesPath, string labelsPath, Split split, List<DatasetItem> items)
    {
        var images = IdxFile.OpenHeader(imagesPath, IdxFile.ImagesMagic);
        var labelsFile = IdxFile.OpenHeader(labelsPath, IdxFile.LabelsMagic);
        var (count, rows, columns) = (images.Dimensions[0], images.Dimensions[1], images.Dimensions[2]);
        if (labelsFile.Dimensions[0] != count)
            throw new GraftException(
                $"{images.FileName} holds {count} images but {labelsFile.FileName} holds {labelsFile.Dimensions[0]} labels.",
                "The two files come from different downloads; use a matching pair.");
        if (rows == 0 || columns == 0)
            throw new GraftException($"{images.FileName} has images of {rows}×{columns} pixels.", "The file is damaged; download it again.");

        byte[] labels;
        try { labels = labelsFile.ReadData(); }
        catch (InvalidDataException e) { throw new GraftException(e.Message, "The download is damaged; fetch it again.", e); }
        if (!IsGzip(imagesPath) && new FileInfo(imagesPath).Length < images.HeaderBytes + images.DataBytes)
            throw new GraftException($"{images.FileName} is shorter than its header says ({count} images of {rows}×{columns}).",
                "The download is damaged; fetch it again.");

        // One decompression per split, shared by all items and decode workers; Lazy makes the first caller do it.
        var pixels = new Lazy<byte[]>(images.ReadData, LazyThreadSafetyMode.ExecutionAndPublication);
        var size = rows * columns;
        for (var i = 0; i < count; i++)
        {
            var offset = (long)i * size;
            items.Add(new DatasetItem($"{images.FileName}#{i}", labels[i], split,
                () => ImageData.Raw(pixels.Value.AsSpan(checked((int)offset), size).ToArray(), columns, rows, 1)));
        }
        return labels;
    }

    private static IReadOnlyList<string> ClassNames(string folder, IEnumerable<string> files)
    {
        var labelsTxt = Path.Combine(folder, "labels.txt");
        if (File.Exists(labelsTxt)) return LabelNamesFile.Read(labelsTxt);
        var fashion = folder.Contains("fashion", StringComparison.OrdinalIgnoreCase)
            || files.Any(f => Path.GetFileName(f).Contains("fashion", StringComparison.OrdinalIgnoreCase));
        return fashion ? FashionClassNames : Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>IDX files by (set, kind); when both a plain and a .gz copy exist, the plain one (no decompression).</summary>
    private static Dictionary<(string Set, string Kind), string> FindFiles(string folder)
    {
        var found = new Dictionary<(string, string), string>();
        if (!Directory.Exists(folder)) return found;
        foreach (var file in Directory.EnumerateFiles(folder, "*", ImageFileExtensions.Enumeration(false)).Order(StringComparer.Ordinal))
        {
            var match = IdxFileName().Match(Path.GetFileName(file));
            if (!match.Success) continue;
            var key = (match.Groups["set"].Value.ToLowerInvariant(), match.Groups["kind"].Value.ToLowerInvariant());
            if (!found.TryGetValue(key, out var existing) || (IsGzName(existing) && !IsGzName(file)))
                found[key] = file;
        }
        return found;
    }

    private static bool IsGzName(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    private static bool IsGzip(string path)
    {
        FileNode.RequireRegularFile(path, "IDX file");
        using var file = File.OpenRead(path);
        return file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Reads a TensorFlow Datasets prepared directory (<see cref="TfdsDirectory"/> finds the version folder): shards
/// <c>&lt;name&gt;-&lt;split&gt;.tfrecord-NNNNN-of-NNNNN</c> of serialized tf.train.Example records, an encoded image in
/// the bytes feature <see cref="DatasetOptions.TfdsImageFeature"/> and the label in the int64 feature
/// <see cref="DatasetOptions.TfdsLabelFeature"/>. Each shard is scanned once at load (framing and both checksums, label
/// parsed, byte offset kept); <see cref="DatasetItem.Read"/> reads its record again by offset, thread-safe. A record whose
/// data checksum fails stays listed (label 0, unknown) and its Read throws <see cref="InvalidDataException"/>, so the run
/// reports it as skipped; a broken or truncated tail ends that shard with a warning on the dataset. Splits other than
/// train/validation/test are ignored and named in the split source.
/// Class names: <c>&lt;label feature&gt;.labels.txt</c>, <c>label.labels.txt</c> or a single <c>*.labels.txt</c> in the
/// version folder; else the ClassLabel names or count in dataset_info.json; else "0".."max label".
/// </summary>
internal static partial class TfdsDatasetReader
{
    [GeneratedRegex(@"^(?<name>.+)-(?<split>[^-]+)\.(?<format>tfrecord|array_record|riegeli|parquet)-(?<shard>\d+)-of-(?<count>\d+)$")]
    private static partial Regex ShardFileName();

    private sealed record Shard(string Path, int Index, int Count);

    public static bool IsShardFileName(string path) => ShardFileName().IsMatch(System.IO.Path.GetFileName(path));

    public static DatasetListing Read(string path, DatasetOptions options)
    {
        var folder = TfdsDirectory.TryResolve(path)
            ?? throw new GraftException($"'{path}' is not a TFDS prepared directory (no dataset_info.json found).",
                "Pass data_dir/<name>/<version>, data_dir/<name> or a data_dir holding one dataset.");
        var info = TfdsDatasetInfo.Load(System.IO.Path.Combine(folder, TfdsDirectory.InfoFileName));
        var shardsBySplit = FindShards(folder, info.Name ?? System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(folder)!));

        var warnings = new List<string>();
        var ignored = new List<string>();
        var used = new List<string>();
        var items = new List<DatasetItem>();
        var maxLabel = -1;
        foreach (var (splitName, shards) in shardsBySplit.OrderBy(s => SplitNames.TryParse(s.Key, out var k) ? (int)k : 9).ThenBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!SplitNames.TryParse(splitName, out var split)) { ignored.Add(splitName); continue; }
            if (options.Splits is not null && !options.Splits.Contains(split)) continue;
            used.Add(splitName);
            info.ShardLengths.TryGetValue(splitName, out var lengths);
            CheckShardSet(splitName, shards, lengths, warnings);
            foreach (var shard in shards)
            {
                var found = ScanShard(shard, split, options, items, warnings, ref maxLabel);
                if (lengths is not null && shard.Index < lengths.Length && lengths[shard.Index] != found)
                    warnings.Add($"TFRecord file {System.IO.Path.GetFileName(shard.Path)}: {found} records read, dataset_info.json says {lengths[shard.Index]}.");
            }
        }

        var classNames = ClassNames(folder, info, options.TfdsLabelFeature, maxLabel);
        if (maxLabel >= classNames.Count)
            throw new GraftException($"'{folder}' has label {maxLabel}, but only {classNames.Count} class names.",
                $"Check {options.TfdsLabelFeature}.labels.txt: it needs one name per class, in label order.");
        var source = $"TFDS splits ({string.Join(", ", used)})" + (ignored.Count > 0 ? $"; ignored splits: {string.Join(", ", ignored)}" : "");
        return new DatasetListing(folder, classNames, items, source, warnings);
    }

    private static long ScanShard(Shard shard, Split split, DatasetOptions options, List<DatasetItem> items, List<string> warnings, ref int maxLabel)
    {
        var path = shard.Path;
        var name = System.IO.Path.GetFileName(path);
        var imageFeature = options.TfdsImageFeature;
        var labelFeature = options.TfdsLabelFeature;
        long count = 0;
        var max = maxLabel;
        var problem = TfRecordReader.Scan(path, (in TfRecordEntry entry, byte[] buffer) =>
        {
            count++;
            var (index, offset) = (entry.Index, entry.Offset);
            var id = $"{name}#{index}";
            if (!entry.DataCrcValid)
            {
                items.Add(Damaged(id, split, $"TFRecord record {index} of file {name}: data CRC mismatch"));
                return;
            }
            long? label;
            try { label = TfExampleParser.GetInt64(buffer, entry.Length, labelFeature); }
            catch (InvalidProtocolBufferException e)
            {
                items.Add(Damaged(id, split, $"TFRecord record {index} of file {name}: not a tf.train.Example ({e.Message})"));
                return;
            }
            if (label is null)
                throw new GraftException(
                    $"Record {index} of {name} has no int64 feature '{labelFeature}' (it has: {string.Join(", ", TfExampleParser.FeatureNames(buffer, entry.Length))}).",
                    "This dataset names its label differently; set DatasetOptions.TfdsLabelFeature.");
            if (label < 0 || label > int.MaxValue)
                throw new GraftException($"Record {index} of {name} has label {label}.", "Labels must be class indices 0..n-1.");
            max = Math.Max(max, (int)label);
            items.Add(new DatasetItem(id, (int)label, split, () => ReadImage(path, offset, index, imageFeature)));
        });
        maxLabel = max;
        if (problem is not null) warnings.Add(problem);
        return count;
    }

    private static ImageData ReadImage(string path, long offset, long index, string imageFeature)
    {
        var record = TfRecordReader.ReadRecord(path, offset, index);
        byte[]? image;
        try { image = TfExampleParser.GetBytes(record, record.Length, imageFeature); }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"TFRecord record {index} of file {System.IO.Path.GetFileName(path)}: not a tf.train.Example ({e.Message})", e);
        }
        return ImageData.Encoded(image ?? throw new InvalidDataException(
            $"TFRecord record {index} of file {System.IO.Path.GetFileName(path)} has no bytes feature '{imageFeature}'."));
    }

    // The label of a damaged record is unknown; 0 keeps it listed so the run reports it instead of losing it silently.
    private static DatasetItem Damaged(string id, Split split, string message) =>
        new(id, 0, split, () => throw new InvalidDataException(message));

    private static void CheckShardSet(string split, IReadOnlyList<Shard> shards, long[]? lengths, List<string> warnings)
    {
        var expected = lengths?.Length ?? shards[0].Count;
        if (shards.Count != expected || shards.Any(s => s.Count != expected))
            warnings.Add($"Split '{split}': {shards.Count} shard files found, {expected} expected; the missing shards' images are not listed.");
    }

    /// <summary>tfrecord shards by split name. Files of the dataset's own name are preferred; when none carry it
    /// (a renamed folder or dataset_info.json), every shard in the folder is taken.</summary>
    private static Dictionary<string, List<Shard>> FindShards(string folder, string datasetName)
    {
        var matches = Directory.EnumerateFiles(folder, "*", ImageFileExtensions.Enumeration(false))
            .Select(f => (File: f, Match: ShardFileName().Match(System.IO.Path.GetFileName(f))))
            .Where(m => m.Match.Success)
            .ToList();
        if (matches.Any(m => m.Match.Groups["name"].Value == datasetName))
            matches.RemoveAll(m => m.Match.Groups["name"].Value != datasetName);

        var bySplit = new Dictionary<string, List<Shard>>(StringComparer.Ordinal);
        foreach (var (file, match) in matches.Where(m => m.Match.Groups["format"].Value == "tfrecord"))
        {
            var shard = new Shard(file, int.Parse(match.Groups["shard"].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture));
            var split = match.Groups["split"].Value;
            if (!bySplit.TryGetValue(split, out var list)) bySplit[split] = list = [];
            list.Add(shard);
        }
        if (bySplit.Count == 0)
        {
            var otherFormats = matches.Select(m => m.Match.Groups["format"].Value).Distinct().ToArray();
            throw new GraftException(
                otherFormats.Length > 0
                    ? $"'{folder}' stores {datasetName} as {string.Join(", ", otherFormats)}, which Graft does not read."
                    : $"'{folder}' holds no {datasetName}-<split>.tfrecord-NNNNN-of-NNNNN shards.",
                "Prepare the dataset with file_format='tfrecord' (the TFDS default).");
        }
        foreach (var list in bySplit.Values) list.Sort((a, b) => a.Index.CompareTo(b.Index));
        return bySplit;
    }

    private static IReadOnlyList<string> ClassNames(string folder, TfdsDatasetInfo info, string labelFeature, int maxLabel)
    {
        foreach (var candidate in new[] { $"{labelFeature}.labels.txt", "label.labels.txt" })
        {
            var file = System.IO.Path.Combine(folder, candidate);
            if (File.Exists(file)) return LabelNamesFile.Read(file);
        }
        var others = Directory.GetFiles(folder, "*.labels.txt");
        if (others.Length == 1) return LabelNamesFile.Read(others[0]);
        return info.ClassNames(labelFeature)
            ?? Enumerable.Range(0, Math.Max(1, maxLabel + 1)).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }
}

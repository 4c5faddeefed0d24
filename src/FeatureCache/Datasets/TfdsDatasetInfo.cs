using System.Text.Json;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// The parts of a TFDS <c>dataset_info.json</c> (the JSON form of tensorflow_datasets' DatasetInfo proto) that Graft
/// uses: the name, the file format, the records per shard of each split (<c>shardLengths</c>, int64 written as
/// strings) to cross-check the shards, and a ClassLabel feature's names or count when no labels file exists.
/// </summary>
internal sealed class TfdsDatasetInfo
{
    private readonly JsonElement _features;

    private TfdsDatasetInfo(string? name, string? fileFormat, IReadOnlyDictionary<string, long[]> shardLengths, JsonElement features)
    {
        Name = name;
        FileFormat = fileFormat;
        ShardLengths = shardLengths;
        _features = features;
    }

    public string? Name { get; }

    /// <summary>"tfrecord" (also the meaning of an absent value), "array_record", ...</summary>
    public string? FileFormat { get; }

    /// <summary>Records per shard, by split name as written in the file.</summary>
    public IReadOnlyDictionary<string, long[]> ShardLengths { get; }

    public static TfdsDatasetInfo Load(string path)
    {
        try
        {
            FileNode.RequireRegularFile(path, "dataset_info.json");
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            var lengths = new Dictionary<string, long[]>(StringComparer.Ordinal);
            if (root.TryGetProperty("splits", out var splits) && splits.ValueKind == JsonValueKind.Array)
                foreach (var split in splits.EnumerateArray())
                    if (String(split, "name") is { } splitName)
                        lengths[splitName] = split.TryGetProperty("shardLengths", out var shards) && shards.ValueKind == JsonValueKind.Array
                            ? shards.EnumerateArray().Select(Int64).ToArray()
                            : [];
            var features = root.TryGetProperty("features", out var f) ? f.Clone() : default;
            return new TfdsDatasetInfo(String(root, "name"), String(root, "fileFormat"), lengths, features);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw new GraftException($"'{path}' is not a readable TFDS dataset_info.json: {e.Message}",
                "Prepare the dataset again with tensorflow_datasets (tfds.builder(name).download_and_prepare()).", e);
        }
    }

    /// <summary>
    /// Class names of the ClassLabel feature <paramref name="feature"/> from the features section: its names when stored,
    /// else "0".."n-1" from its class count; null when neither is there.
    /// </summary>
    public IReadOnlyList<string>? ClassNames(string feature)
    {
        if (_features.ValueKind != JsonValueKind.Object || Find(_features, feature) is not { } label) return null;
        if (Find(label, "names") is { ValueKind: JsonValueKind.Array } names)
            return names.EnumerateArray().Select(n => n.GetString() ?? "").ToArray();
        var count = Find(label, "numClasses") ?? Find(label, "num_classes");
        long n;
        try { n = count is { } c ? Int64(c) : 0; }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException) { n = 0; }
        // A count that is absent, zero or absurd is no help; the caller then numbers the labels it saw.
        return n is > 0 and <= 1_000_000
            ? Enumerable.Range(0, (int)n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()
            : null;
    }

    /// <summary>Depth-first search for a property named <paramref name="name"/>.</summary>
    private static JsonElement? Find(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty(name, out var direct)) return direct;
            foreach (var property in element.EnumerateObject())
                if (Find(property.Value, name) is { } nested) return nested;
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
                if (Find(item, name) is { } nested) return nested;
        }
        return null;
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // Proto JSON writes int64 as strings; accept numbers too.
    private static long Int64(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? long.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
        : value.GetInt64();
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Graft.FeatureCache.Store;

/// <summary>
/// The dataset side of a feature set: class names and, for every image of one shard, its id (path), split, label,
/// content hash, or why it was skipped. Written by precompute when its pass over the shard is complete (temp file +
/// rename), one file per shard: <c>manifest-I-of-N.json</c>.
/// </summary>
public sealed record DatasetManifest
{
    public const string FormatName = "graft-manifest-1";

    public string Format { get; init; } = FormatName;
    public required int ShardIndex { get; init; }
    public required int ShardCount { get; init; }
    /// <summary>Where the images were read from.</summary>
    public required string DatasetRoot { get; init; }
    public required string DatasetFormat { get; init; }
    /// <summary>How the splits were obtained (logged seed and ratios for a generated split).</summary>
    public required string SplitSource { get; init; }
    /// <summary>Label i is ClassNames[i]; always from the data.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required DateTime CreatedUtc { get; init; }
    public required IReadOnlyList<ManifestEntry> Items { get; init; }

    /// <summary>Identity of the whole dataset listing (every shard computes the same one; see
    /// <see cref="Store.DatasetFingerprint"/>): shards whose fingerprints differ come from different datasets and are never
    /// combined. Null in caches written before it existed.</summary>
    public string? DatasetFingerprint { get; init; }

    /// <summary>Segment files that held features when this shard finished; <c>features info</c> names those that have
    /// gone since. Null in caches written before it existed.</summary>
    public IReadOnlyList<string>? Segments { get; init; }

    [JsonIgnore]
    public string FileName => $"manifest-{ShardIndex}-of-{ShardCount}.json";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>One image of a manifest.</summary>
/// <param name="Id">Path relative to the dataset root, or "file#index" for records in a container.</param>
/// <param name="Split">"train", "validation" or "test".</param>
/// <param name="Label">Index into the class names.</param>
/// <param name="Sha256">Content hash keying its features; null when skipped.</param>
/// <param name="Skipped">Why the image has no features ("Corrupt: …"); null when it has.</param>
public sealed record ManifestEntry(string Id, string Split, int Label, string? Sha256, string? Skipped = null);

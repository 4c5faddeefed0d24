using System.Text.Json.Serialization;

namespace Graft.FeatureCache.Precompute;

/// <summary>The result of a precompute run; <c>--json</c> prints it as is.</summary>
public sealed record PrecomputeSummary
{
    public required string Cache { get; init; }
    public required string FeatureSet { get; init; }
    public required string Backbone { get; init; }
    public required int Dimension { get; init; }
    public required string DType { get; init; }
    public required string Shard { get; init; }
    public required string Device { get; init; }
    public required string SplitSource { get; init; }
    public required int NumClasses { get; init; }
    /// <summary>Images in this shard.</summary>
    public required int Total { get; init; }
    public required int Computed { get; init; }
    public required int Reused { get; init; }
    public required IReadOnlyList<SkippedImage> Skipped { get; init; }
    public required double Seconds { get; init; }
    /// <summary>Computed images per second of wall time.</summary>
    public required double ImagesPerSecond { get; init; }
    /// <summary>Problems the dataset listing found (a cut-off TFRecord shard, record counts that disagree).</summary>
    public IReadOnlyList<string> DatasetWarnings { get; init; } = [];
    /// <summary>Damage found in existing segments (their images were computed again).</summary>
    public required IReadOnlyList<string> StoreDamage { get; init; }
    /// <summary>Image content found in more than one split of this run (each once, with all its ids).</summary>
    public IReadOnlyList<Graft.FeatureCache.Store.SplitLeak> SplitLeakage { get; init; } = [];
    /// <summary>What precompute repaired in the cache before computing (a damaged set.json rewritten, leftovers of
    /// killed runs removed).</summary>
    public IReadOnlyList<string> StoreRepairs { get; init; } = [];
    /// <summary>True when the run stopped early (cancelled); finished work is kept and the same command resumes.</summary>
    public bool Interrupted { get; init; }

    [JsonIgnore]
    public IEnumerable<IGrouping<string, SkippedImage>> SkippedByReason => Skipped.GroupBy(s => s.Reason.Split(':')[0]);
}

/// <summary>An image left out, with the reason ("Corrupt: …", "TooLarge: …", "Unreadable: …").</summary>
public sealed record SkippedImage(string Path, string Reason);

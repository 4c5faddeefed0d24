namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>
/// What <see cref="DatasetInspector"/> found: the whole dataset's counts, and checks on a seeded sample of decoded
/// images. Libraries return this; the CLI renders it.
/// </summary>
public sealed record DatasetReport
{
    /// <summary>Class names; label i is ClassNames[i].</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Items per split, for all three splits (0 when a split is absent).</summary>
    public required IReadOnlyDictionary<Split, int> SplitCounts { get; init; }

    /// <summary>Items per split and class: <c>ClassCounts[split][label]</c>, one entry per class name.</summary>
    public required IReadOnlyDictionary<Split, IReadOnlyList<int>> ClassCounts { get; init; }

    /// <summary>Number of items decoded for the checks below (min of the dataset size and
    /// <see cref="InspectOptions.SampleSize"/>).</summary>
    public required int SampledCount { get; init; }

    /// <summary>Sizes over the readable sampled images; null when none could be read.</summary>
    public required ImageSizeStats? Sizes { get; init; }

    /// <summary>Shape and pixel range of the first readable image of the sample; null when none could be read.</summary>
    public required SampleImageCheck? SampleImage { get; init; }

    /// <summary>Sampled items that could not be read or decoded, in sample order.</summary>
    public required IReadOnlyList<UnreadableImage> Unreadable { get; init; }

    /// <summary>Problems the loader noticed while listing (<see cref="ImageDataset.Warnings"/>), repeated here so one
    /// report says everything about the data.</summary>
    public IReadOnlyList<string> DatasetWarnings { get; init; } = [];

    /// <summary>Total number of items in the dataset.</summary>
    public int TotalCount => SplitCounts.Values.Sum();
}

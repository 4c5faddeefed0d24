namespace Graft.FeatureCache.Datasets;

/// <summary>
/// What one layout reader found, before <see cref="DatasetLoader"/> filters splits, orders items and checks that
/// something is left. Keeps the readers free of those shared rules.
/// </summary>
internal sealed record DatasetListing(
    string Root,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<DatasetItem> Items,
    string SplitSource,
    IReadOnlyList<string> Warnings);

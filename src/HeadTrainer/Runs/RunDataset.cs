namespace Graft.HeadTrainer.Runs;

/// <summary>Where the images were.</summary>
public sealed record RunDataset(string Root, string Format, string SplitSource);

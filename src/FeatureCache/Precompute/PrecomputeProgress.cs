namespace Graft.FeatureCache.Precompute;

/// <summary>A snapshot of a running precompute, reported a few times a second.</summary>
/// <param name="Total">Images in this shard.</param>
/// <param name="Computed">Images run through the backbone so far.</param>
/// <param name="Reused">Images whose features were already cached.</param>
/// <param name="Skipped">Images that could not be used.</param>
/// <param name="Seconds">Wall time since the start.</param>
/// <param name="Device">Once known: which execution provider runs the backbone, and why.</param>
public sealed record PrecomputeProgress(int Total, int Computed, int Reused, int Skipped, double Seconds, string? Device)
{
    public int Done => Computed + Reused + Skipped;

    /// <summary>Computed images per second so far.</summary>
    public double ImagesPerSecond => Seconds > 0 ? Computed / Seconds : 0;
}

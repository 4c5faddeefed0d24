namespace Graft.Bench.FineTune;

/// <summary>Figures of <see cref="FineTuneBenchmark"/>: one fine-tuning epoch with the boundary cache vs a full forward
/// each epoch (decode included, as the seed's per-epoch pipeline), and raw training-step throughput on in-memory tensors.</summary>
public sealed record FineTuneBenchResult
{
    public required string Plan { get; init; }
    public required string Device { get; init; }
    public required int Images { get; init; }
    public required int BatchSize { get; init; }

    /// <summary>One-time cost: computing and storing the boundary activations of the images.</summary>
    public required double CacheFillSeconds { get; init; }

    /// <summary>One-time cost of one augmented view of the images (random resized crop + flip, then the frozen prefix);
    /// <c>--augment-views K</c> pays it K times.</summary>
    public required double AugmentedViewFillSeconds { get; init; }

    /// <summary>Fastest epoch reading cached boundary activations (trainable top only).</summary>
    public required double CachedEpochSeconds { get; init; }

    /// <summary>Fastest epoch decoding images and running the whole backbone.</summary>
    public required double FullEpochSeconds { get; init; }

    public double EpochSpeedup => FullEpochSeconds / CachedEpochSeconds;

    /// <summary>CPU seconds (all threads) of the cached-epoch measurement with the least CPU time.</summary>
    public required double CachedEpochCpuSeconds { get; init; }

    /// <summary>CPU seconds of the full-forward epoch with the least CPU time.</summary>
    public required double FullEpochCpuSeconds { get; init; }

    /// <summary>The speed-up in CPU time: the same ratio measured in the unit that other load on the machine distorts least.</summary>
    public double EpochCpuSpeedup => FullEpochCpuSeconds / CachedEpochCpuSeconds;

    /// <summary>Train-step images/s, whole backbone forward (frozen prefix without gradient), tensors in memory.</summary>
    public required double FullStepImagesPerSecond { get; init; }

    /// <summary>Train-step images/s from boundary activations in memory (the trainable top only).</summary>
    public required double TopStepImagesPerSecond { get; init; }

    public required int Threads { get; init; }

    /// <summary>The epoch figures scaled to a dataset of <paramref name="images"/> training images. Every term is per image
    /// (decode, forward, backward, cache read), so the scaling is linear; it ignores a ragged last batch.</summary>
    public (double FullEpochSeconds, double CachedEpochSeconds, double CacheFillSeconds) ScaledTo(int images)
    {
        var k = (double)images / Images;
        return (FullEpochSeconds * k, CachedEpochSeconds * k, CacheFillSeconds * k);
    }

    /// <summary>A whole augmented fine-tuning of <paramref name="epochs"/> epochs: with a full forward every epoch, and
    /// with the boundary cache (plain fill + <paramref name="views"/> augmented views + cached epochs).</summary>
    public (double FullForwardSeconds, double CachedViewsSeconds) AugmentedRun(int epochs, int views) =>
        (epochs * FullEpochSeconds, CacheFillSeconds + views * AugmentedViewFillSeconds + epochs * CachedEpochSeconds);

    /// <summary>Training-split sizes of the datasets the seed targets, for <see cref="ScaledTo"/>: TFDS oxford_flowers102
    /// (train 1020) and cassava (train 5656).</summary>
    public static IReadOnlyList<(string Name, int Images)> ReferenceDatasets { get; } =
        [("Flowers-102 train", 1020), ("cassava train", 5656)];
}

using Graft.HeadTrainer.Training;
using Graft.FineTuner.Export;
using Graft.FineTuner.Layers;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Training;

/// <summary>The outcome of <see cref="FineTuneTrainer.Run"/>.</summary>
public sealed record FineTuneResult
{
    /// <summary>Setup lines (device, layers, freeze plan, boundary, cache).</summary>
    public required IReadOnlyList<string> Log { get; init; }

    public required ParameterCounts Backbone { get; init; }

    public required long HeadParameters { get; init; }

    /// <summary>Head-only rows followed by fine-tuning rows.</summary>
    public required IReadOnlyList<EpochRecord> History { get; init; }

    /// <summary>First fine-tuning epoch number (initial_epoch + 1): where the curves plot draws its dashed line.</summary>
    public required int FirstFineTuneEpoch { get; init; }

    /// <summary>Epoch whose weights were kept: the lowest validation loss with early stopping on (the head-only epoch count
    /// when the starting point won), else the last one.</summary>
    public required int BestEpoch { get; init; }

    public required bool StoppedEarly { get; init; }

    /// <summary>True when no fine-tuning epoch beat the starting weights on validation, so they were kept.</summary>
    public bool KeptStartingPoint { get; init; }

    /// <summary>Cached augmented views per training image that the epochs read (0: none).</summary>
    public int AugmentViews { get; init; }

    /// <summary>True when the epochs read cached boundary activations.</summary>
    public required bool UsedBoundaryCache { get; init; }

    /// <summary>Seconds spent computing boundary activations in this call (0 when all were cached).</summary>
    public required double CacheFillSeconds { get; init; }

    /// <summary>Test (or, without a test split, validation) evaluation with the starting weights; null when neither split exists.</summary>
    public SplitEvaluation? Before { get; init; }

    /// <summary>The same evaluation with the kept weights.</summary>
    public SplitEvaluation? After { get; init; }

    public required FineTunedBackbone WrittenBackbone { get; init; }

    /// <summary>The kept weights' pooled features of every image the boundary cache holds (null without the cache):
    /// the fine-tuned feature set is seeded with them, so only images the cache lacks run the whole backbone.</summary>
    public BoundaryFeatures? Features { get; init; }

    /// <summary>Folder with head.json/head.bin of the fine-tuned head.</summary>
    public required string HeadDirectory { get; init; }
}

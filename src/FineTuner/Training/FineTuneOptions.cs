namespace Graft.FineTuner.Training;

/// <summary>Settings of a fine-tuning run (the <c>graft finetune</c> flags). Everything here that changes the
/// numbers is part of the run's identity: a resume with different values is refused.</summary>
public sealed record FineTuneOptions
{
    /// <summary>Train the top N backbone layers (exclusive with <see cref="TrainFrom"/>).</summary>
    public int? TrainTop { get; init; }

    /// <summary>Train from this layer (by name) to the top (exclusive with <see cref="TrainTop"/>).</summary>
    public string? TrainFrom { get; init; }

    /// <summary>Fine-tuning epochs after the head-only ones (the seed: 5, epochs 6–10).</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Head learning rate; backbone layers get it × <see cref="BackboneLearningRateMultiplier"/>.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Backbone rate relative to the head's (default 0.1: pretrained features move 10× slower).</summary>
    public double BackboneLearningRateMultiplier { get; init; } = 0.1;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    public double WeightDecay { get; init; }

    public ScheduleKind Schedule { get; init; } = ScheduleKind.Constant;

    /// <summary>Stop after this many epochs without a lower validation loss (0: never stop early). The best epoch's
    /// weights are restored at the end.</summary>
    public int Patience { get; init; } = 3;

    /// <summary>Random resized crop and horizontal flip on training images (off: the seed; on disables the boundary cache).</summary>
    public bool Augment { get; init; }

    public int Seed { get; init; } = 42;

    public int BatchSize { get; init; } = 32;

    /// <summary>"auto" (CUDA when libtorch has it, else CPU), "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Cache the activations at the freeze boundary (used only without augmentation).</summary>
    public bool UseBoundaryCache { get; init; } = true;

    /// <summary>Element type of cached boundary activations: float32 (exact) or float16 (half the disk; relative error
    /// ≤ 2⁻¹¹).</summary>
    public FeatureCache.Store.FeatureDType BoundaryDType { get; init; } = FeatureCache.Store.FeatureDType.Float32;

    /// <summary>Where boundary activations are cached; null: GraftHome/boundary.</summary>
    public string? BoundaryCacheDirectory { get; init; }

    /// <summary>Torch intra-op threads; 0: libtorch's default (one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Throws <see cref="GraftException"/> for values out of range.</summary>
    public void Validate()
    {
        if (TrainTop is null == string.IsNullOrEmpty(TrainFrom))
            throw new GraftException("Give exactly one of --train-top N and --train-from NAME.");
        if (Epochs is < 1 or > 10_000) throw new GraftException($"--epochs {Epochs} must be 1..10000.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new GraftException($"--lr {LearningRate} must be positive.");
        if (!(BackboneLearningRateMultiplier >= 0) || !double.IsFinite(BackboneLearningRateMultiplier))
            throw new GraftException($"--backbone-lr-mult {BackboneLearningRateMultiplier} must be 0 or more.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw new GraftException($"--weight-decay {WeightDecay} must be 0 or more.");
        if (Patience < 0) throw new GraftException($"--patience {Patience} must be 0 (off) or more.");
        if (BatchSize is < 2 or > 4096) throw new GraftException($"--batch-size {BatchSize} must be 2..4096 (BatchNorm needs two images).");
        if (Threads < 0) throw new GraftException($"--threads {Threads} must be 0 (default) or more.");
    }

    /// <summary>The settings that change the numbers of a run, as canonical text (the resume check).</summary>
    public string IdentityText() => string.Join(';',
        $"top={TrainTop}", $"from={TrainFrom}", $"epochs={Epochs}", $"lr={LearningRate:R}", $"mult={BackboneLearningRateMultiplier:R}",
        $"opt={Optimizer}", $"wd={WeightDecay:R}", $"schedule={Schedule}", $"patience={Patience}", $"augment={Augment}",
        $"seed={Seed}", $"batch={BatchSize}", $"boundary={(UseBoundaryCache && !Augment ? FeatureCache.Store.FeatureDTypeExtensions.ToName(BoundaryDType) : "float32")}");
}

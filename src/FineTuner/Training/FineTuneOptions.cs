using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;
namespace Graft.FineTuner.Training;

/// <summary>
/// Settings of a fine-tuning run (the <c>graft finetune</c> flags) and their defaults — the one place they are set:
/// the CLI passes only what the user gave. Everything here that changes the numbers is part of the run's identity: a
/// resume with different values is refused. The defaults are the recipe measured in docs/benchmarks.md (AdamW,
/// head 1e-3 / backbone 1e-4, warm-up then cosine, random-resized-crop + flip augmentation, 5 epochs, the epoch with
/// the lowest validation loss kept, the head-only starting point a candidate).
/// </summary>
public sealed record FineTuneOptions
{
    /// <summary>Train the top N backbone layers, or blocks or stages as <see cref="TrainUnit"/> says (exclusive with
    /// <see cref="TrainFrom"/>).</summary>
    public int? TrainTop { get; init; }

    /// <summary>What <see cref="TrainTop"/> counts: layers (<c>--train-top</c>), the model's blocks
    /// (<c>--train-blocks</c>) or stages (<c>--train-stages</c>), as <see cref="FeatureCache.Backbones.BackboneLayers"/>
    /// finds them.</summary>
    public FeatureCache.Backbones.BackboneUnit TrainUnit { get; init; } = FeatureCache.Backbones.BackboneUnit.Layer;

    /// <summary>Train from this layer (by name) to the top (exclusive with <see cref="TrainTop"/>).</summary>
    public string? TrainFrom { get; init; }

    /// <summary>Fine-tuning epochs after the head-only ones (the seed: 5, epochs 6–10).</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Peak head learning rate; backbone layers get it × <see cref="BackboneLearningRateMultiplier"/>.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Backbone rate relative to the head's (default 0.1: pretrained features move 10× slower — fastai's
    /// discriminative rates).</summary>
    public double BackboneLearningRateMultiplier { get; init; } = 0.1;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    /// <summary>Weight decay; null: 0.01 for AdamW (PyTorch's default), 0 for Adam and SGD.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>The weight decay in force.</summary>
    public double EffectiveWeightDecay => WeightDecay ?? (Optimizer == OptimizerKind.AdamW ? 0.01 : 0);

    /// <summary>How the rate moves after the warm-up, per training step.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;

    /// <summary>Fraction of all training steps spent ramping the rate linearly up to its peak (0: no warm-up).</summary>
    public double WarmupFraction { get; init; } = 0.1;

    /// <summary>Label smoothing of the training loss (0: plain cross-entropy; validation loss is always plain).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Train BatchNormalization statistics in the unfrozen layers (batch statistics, running averages updated:
    /// Keras's layer rule). False, the default: every BatchNormalization stays in inference mode with its running
    /// statistics while its scale and bias train — Keras's fine-tuning guide, and the recipe measured in
    /// docs/benchmarks.md.</summary>
    public bool TrainBatchNormStatistics { get; init; }

    /// <summary>Keep the weights of the epoch with the lowest validation loss (training loss without a validation
    /// split), the starting weights counted as an epoch, so a run never ends worse on validation than the head alone;
    /// false keeps the last epoch.</summary>
    public bool KeepBest { get; init; } = true;

    /// <summary>Stop after this many epochs without a lower validation loss (0: run every epoch — the default, since
    /// stopping early cuts the cosine schedule before its low-rate epochs, which are the ones that recover from the
    /// first high-rate steps).</summary>
    public int Patience { get; init; }

    /// <summary>Training-image augmentation policy.</summary>
    public AugmentPolicy Augment { get; init; } = AugmentPolicy.Standard;

    /// <summary>Overrides the policy's random-resized-crop area lower bound (0 &lt; x ≤ 1).</summary>
    public double? CropScaleMin { get; init; }

    /// <summary>Overrides the policy's colour jitter (0 ≤ x &lt; 1).</summary>
    public double? ColorJitter { get; init; }

    /// <summary>With the boundary cache and augmentation: augmented views of every training image computed once at
    /// fill time; each epoch takes one of them per image, cycling. Disk and fill time grow × K.</summary>
    public int AugmentViews { get; init; } = DefaultAugmentViews;

    /// <summary>The default of <see cref="AugmentViews"/>: as many views as the default epochs, so every epoch reads crops
    /// it has not seen: the diversity of on-the-fly augmentation at the speed of cached epochs. Measured K = 1, 2, 4,
    /// 8 and on-the-fly augmentation landed within one image of each other (docs/benchmarks.md).</summary>
    public const int DefaultAugmentViews = 5;

    public int Seed { get; init; } = 42;

    public int BatchSize { get; init; } = 32;

    /// <summary>"auto" (CUDA when libtorch has it, else CPU), "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Cache the activations at the freeze boundary (with augmentation: <see cref="AugmentViews"/> views of
    /// each training image); off: the whole backbone runs every epoch and augmentation is drawn afresh each time.</summary>
    public bool UseBoundaryCache { get; init; } = true;

    /// <summary>Element type of cached boundary activations: float32 (exact) or float16 (half the disk; relative error
    /// ≤ 2⁻¹¹).</summary>
    public FeatureCache.Store.FeatureDType BoundaryDType { get; init; } = FeatureCache.Store.FeatureDType.Float32;

    /// <summary>Where boundary activations are cached; null: GraftHome/boundary.</summary>
    public string? BoundaryCacheDirectory { get; init; }

    /// <summary>Torch intra-op threads; 0: libtorch's default (one per core).</summary>
    public int Threads { get; init; }

    /// <summary>The augmentation in force (null: none).</summary>
    public ImageAugmentation? Augmentation => ImageAugmentation.For(Augment, CropScaleMin, ColorJitter);

    /// <summary>The one wording of the layer-selection rule: exactly one of <paramref name="trainTop"/> and
    /// <paramref name="trainFrom"/>. Throws <see cref="GraftException"/>; <paramref name="layerCount"/>, when known,
    /// goes into the hint.</summary>
    public static void RequireOneLayerSelection(int? trainTop, string? trainFrom, int? layerCount = null)
    {
        if (trainTop is null == string.IsNullOrWhiteSpace(trainFrom))
            throw new GraftException("Say which layers to fine-tune with exactly one of --train-top N, --train-blocks N, --train-stages N and --train-from NAME.",
                layerCount is { } n
                    ? $"The backbone has {n} layers; e.g. --train-top {Math.Max(1, n / 3)} (graft backbone layers lists them)."
                    : "graft backbone layers NAME lists the layers; its descriptor's fineTune section names the customary cut.");
    }

    /// <summary>Throws <see cref="GraftException"/> for values out of range.</summary>
    public void Validate()
    {
        RequireOneLayerSelection(TrainTop, TrainFrom);
        if (Epochs is < 1 or > 10_000) throw new GraftException($"--epochs {Epochs} must be 1..10000.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new GraftException($"--lr {LearningRate} must be positive.");
        if (!(BackboneLearningRateMultiplier >= 0) || !double.IsFinite(BackboneLearningRateMultiplier))
            throw new GraftException($"--backbone-lr-mult {BackboneLearningRateMultiplier} must be 0 or more.");
        if (WeightDecay is { } wd && (!(wd >= 0) || !double.IsFinite(wd))) throw new GraftException($"--weight-decay {wd} must be 0 or more.");
        if (!(WarmupFraction is >= 0 and < 1)) throw new GraftException($"--warmup {WarmupFraction} must be in [0, 1).");
        if (!(LabelSmoothing is >= 0 and < 1)) throw new GraftException($"--label-smoothing {LabelSmoothing} must be in [0, 1).");
        if (CropScaleMin is { } s && !(s is > 0 and <= 1)) throw new GraftException($"--crop-scale {s} must be in (0, 1].");
        if (ColorJitter is { } j && !(j is >= 0 and < 1)) throw new GraftException($"--color-jitter {j} must be in [0, 1).");
        if (AugmentViews is < 1 or > 64)
            throw new GraftException($"--augment-views {AugmentViews} must be 1..64.", "Each view is one more cached activation per training image; 5 is the default.");
        if (Patience < 0) throw new GraftException($"--patience {Patience} must be 0 (off) or more.");
        if (BatchSize is < 2 or > 4096) throw new GraftException($"--batch-size {BatchSize} must be 2..4096 (BatchNorm needs two images).");
        if (Threads < 0) throw new GraftException($"--threads {Threads} must be 0 (default) or more.");
    }

    /// <summary>The settings that change the numbers of a run, as canonical text (the resume check).</summary>
    public string IdentityText() => string.Join(';',
        // Layer counts keep their old wording, so runs from before blocks existed still resume.
        $"top={TrainTop}" + (TrainUnit == FeatureCache.Backbones.BackboneUnit.Layer ? "" : $" {FeatureCache.Backbones.BackboneLayers.Word(TrainUnit)}s"),
        $"from={TrainFrom}", $"epochs={Epochs}", $"lr={LearningRate:R}", $"mult={BackboneLearningRateMultiplier:R}",
        $"opt={Optimizer}", $"wd={EffectiveWeightDecay:R}", $"schedule={Schedule}", $"warmup={WarmupFraction:R}", $"smoothing={LabelSmoothing:R}",
        $"patience={Patience}", $"keep={(KeepBest ? "best" : "last")}", $"bn={(TrainBatchNormStatistics ? "train" : "frozen")}", $"augment={Augmentation?.CanonicalText() ?? "none"}", $"views={(UseBoundaryCache && Augmentation is not null ? AugmentViews : 0)}",
        $"seed={Seed}", $"batch={BatchSize}", $"boundary={(UseBoundaryCache ? FeatureCache.Store.FeatureDTypeExtensions.ToName(BoundaryDType) : "off")}");
}

using System.ComponentModel;
using Graft.FineTuner.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;

namespace Graft.Cli.Commands.FineTune;

public sealed class FineTuneSettings : RunSettings
{
    [CommandOption("--train-top <N>")]
    [Description("Train the top N backbone layers (NASNetLarge: 339 of 1039). 0 trains the head only.")]
    public int? TrainTop { get; init; }

    [CommandOption("--train-blocks <N>")]
    [Description("Train the model's top N blocks (an MBConv, a DenseNet layer, a ConvNeXt/Swin block, a ViT encoder layer; graft backbone layers shows them).")]
    public int? TrainBlocks { get; init; }

    [CommandOption("--train-stages <N>")]
    [Description("Train the model's top N stages (features.N, trunk_output.blockN, denseblockN …): --train-stages 1 trains the last stage.")]
    public int? TrainStages { get; init; }

    [CommandOption("--train-from <NAME>")]
    [Description("Train from this layer, block or stage (by name) to the top, instead of --train-top.")]
    public string? TrainFrom { get; init; }

    // Options without a value here take FineTuneOptions' defaults: the library owns them (and docs/benchmarks.md
    // records the measurements that chose them).

    [CommandOption("--epochs <N>")]
    [Description("Fine-tuning epochs after the head-only ones (the seed: 5, i.e. epochs 6-10). Default 5.")]
    public int? Epochs { get; init; }

    [CommandOption("--lr <RATE>")]
    [Description("Peak head learning rate (--find-lr suggests one). Default 1e-3.")]
    public double? LearningRate { get; init; }

    [CommandOption("--backbone-lr-mult <X>")]
    [Description("Backbone learning rate = lr × X (discriminative rates). Default 0.1.")]
    public double? BackboneLearningRateMultiplier { get; init; }

    [CommandOption("--optimizer <adamw|adam|sgd>")]
    [Description("Default adamw.")]
    public string? Optimizer { get; init; }

    [CommandOption("--weight-decay <W>")]
    [Description("Default 0.01 with adamw, 0 otherwise.")]
    public double? WeightDecay { get; init; }

    [CommandOption("--schedule <cosine|constant|step>")]
    [Description("Rate after the warm-up, per step. Default cosine (to 0 at the last step).")]
    public string? Schedule { get; init; }

    [CommandOption("--warmup <FRACTION>")]
    [Description("Fraction of the steps that ramp the rate up linearly. Default 0.1.")]
    public double? Warmup { get; init; }

    [CommandOption("--label-smoothing <X>")]
    [Description("Label smoothing of the training loss. Default 0.")]
    public double? LabelSmoothing { get; init; }

    [CommandOption("--patience <N>")]
    [Description("Stop after N epochs without a lower val_loss. Default 0: run every epoch (the cosine schedule's last, low-rate epochs are the ones that recover).")]
    public int? Patience { get; init; }

    [CommandOption("--keep <best|last>")]
    [Description("Keep the epoch with the lowest val_loss, the head-only start included, so fine-tuning never ends worse on validation than the head alone (default), or the last epoch.")]
    public string? Keep { get; init; }

    [CommandOption("--batch-norm <frozen|train>")]
    [Description("frozen (default): every BatchNorm keeps its running statistics (inference mode) while its scale and bias train, as Keras's fine-tuning guide advises; train: unfrozen BatchNorm layers use batch statistics (Keras's layer rule).")]
    public string? BatchNorm { get; init; }

    [CommandOption("--augment <POLICY>")]
    [Description("Training-image augmentation: none, light (crop 80-100 %, flip), standard (crop 60-100 %, flip; the default), strong (crop 35-100 %, flip, colour jitter).")]
    public string? Augment { get; init; }

    [CommandOption("--augment-views <K>")]
    [Description("With the boundary cache: augmented views of each training image, computed once; epochs cycle through them. Default 5.")]
    public int? AugmentViews { get; init; }

    [CommandOption("--crop-scale <MIN>")]
    [Description("Lower bound of the random-resized-crop area, overriding the policy's (0 < MIN ≤ 1).")]
    public double? CropScale { get; init; }

    [CommandOption("--color-jitter <X>")]
    [Description("Brightness/contrast/saturation jitter, overriding the policy's (0 ≤ X < 1).")]
    public double? ColorJitter { get; init; }

    [CommandOption("--find-lr")]
    [Description("Run a learning-rate range test on the training split instead of fine-tuning: writes RUNDIR/finetune/lr_finder.png and suggests --lr.")]
    public bool FindLr { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seeds shuffles, augmentation and dropout. Default 42.")]
    public int? Seed { get; init; }

    [CommandOption("--batch-size <N>")]
    [Description("Default 32.")]
    public int? BatchSize { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto (CUDA when this build's libtorch has it), cpu, cuda or cuda:N. Default auto.")]
    public string? Device { get; init; }

    [CommandOption("--threads <N>")]
    [Description("Torch threads; 0 = one per core.")]
    public int? Threads { get; init; }

    [CommandOption("--no-boundary-cache")]
    [Description("Run the whole backbone every epoch instead of caching the frozen part's activations.")]
    public bool NoBoundaryCache { get; init; }

    [CommandOption("--boundary-dtype <TYPE>")]
    [Description("float32 (default, exact) or float16 (half the disk) for cached activations.")]
    public string? BoundaryDType { get; init; }

    [CommandOption("--boundary-cache <DIR>")]
    [Description("Where frozen activations are cached. Default: GRAFT_HOME/boundary.")]
    public string? BoundaryCache { get; init; }

    [CommandOption("--cache <DIR>")]
    [Description("The feature cache the head was trained on, when it moved (default: the run's config).")]
    public string? Cache { get; init; }

    [CommandOption("-b|--backbone <NAME|FILE>")]
    [Description("Another descriptor of the run's backbone model (default: the run's backbone.json).")]
    public string? Backbone { get; init; }

    [CommandOption("--head <FILE.onnx>")]
    [Description("The head as ONNX (Features → Score) instead of the run's head.onnx.")]
    public string? Head { get; init; }

    [CommandOption("--dropout <P>")]
    [Description("Dropout before the head's last layer while fine-tuning (default: the run's mlp dropout, the seed's 0.5).")]
    public float? Dropout { get; init; }

    [CommandOption("--no-evaluate")]
    [Description("Skip precomputing the fine-tuned backbone's features and evaluating before/after.")]
    public bool NoEvaluate { get; init; }

    [CommandOption("--allow-missing")]
    [Description("Go on when the run's cached features are missing or damaged for some images, instead of refusing; the evaluations leave them out.")]
    public bool AllowMissing { get; init; }

    [CommandOption("--json")]
    [Description("Print the result as one JSON object.")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } invalid) return invalid;
        try
        {
            ToOptions().Validate(); // the library owns the rules and their wording; the CLI only reports them early
        }
        catch (GraftException e)
        {
            return ValidationResult.Error(e.Message);
        }
        return ValidationResult.Success();
    }

    public FineTuneOptions ToOptions()
    {
        var o = new FineTuneOptions
        {
            TrainTop = LayerSelection.Top(TrainTop, TrainBlocks, TrainStages),
            TrainUnit = LayerSelection.Unit(TrainTop, TrainBlocks, TrainStages),
            TrainFrom = string.IsNullOrWhiteSpace(TrainFrom) ? null : TrainFrom,
            WeightDecay = WeightDecay,
            CropScaleMin = CropScale,
            ColorJitter = ColorJitter,
            UseBoundaryCache = !NoBoundaryCache,
            BoundaryCacheDirectory = BoundaryCache is null ? null : OutputPaths.Folder(BoundaryCache, "--boundary-cache"),
        };
        return o with
        {
            Epochs = Epochs ?? o.Epochs,
            LearningRate = LearningRate ?? o.LearningRate,
            BackboneLearningRateMultiplier = BackboneLearningRateMultiplier ?? o.BackboneLearningRateMultiplier,
            Optimizer = BackboneSettings.ParseEnum<OptimizerKind>(Optimizer, "--optimizer") ?? o.Optimizer,
            Schedule = BackboneSettings.ParseEnum<ScheduleKind>(Schedule, "--schedule") ?? o.Schedule,
            WarmupFraction = Warmup ?? o.WarmupFraction,
            LabelSmoothing = LabelSmoothing ?? o.LabelSmoothing,
            Patience = Patience ?? o.Patience,
            TrainBatchNormStatistics = BackboneSettings.ParseEnum<BatchNormChoice>(BatchNorm, "--batch-norm") is { } bn ? bn == BatchNormChoice.Train : o.TrainBatchNormStatistics,
            KeepBest = BackboneSettings.ParseEnum<KeepChoice>(Keep, "--keep") is { } keep ? keep == KeepChoice.Best : o.KeepBest,
            Augment = BackboneSettings.ParseEnum<AugmentPolicy>(Augment, "--augment") ?? o.Augment,
            AugmentViews = AugmentViews ?? o.AugmentViews,
            Seed = Seed ?? o.Seed,
            BatchSize = BatchSize ?? o.BatchSize,
            Device = Device ?? o.Device,
            Threads = Threads ?? o.Threads,
            BoundaryDType = BoundaryDType is null ? o.BoundaryDType : FeatureCache.Store.FeatureDTypeExtensions.Parse(BoundaryDType),
        };
    }
}

/// <summary>The words <c>--batch-norm</c> accepts (FineTuneOptions.TrainBatchNormStatistics).</summary>
internal enum BatchNormChoice
{
    Frozen,
    Train,
}

/// <summary>The words <c>--keep</c> accepts (FineTuneOptions.KeepBest).</summary>
internal enum KeepChoice
{
    Best,
    Last,
}

using System.ComponentModel;
using Graft.FineTuner.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands.FineTune;

public sealed class FineTuneSettings : GraftSettings
{
    [CommandOption("-r|--run <RUNDIR>")]
    [Description("Head-training run folder (graft train-head --out). Fine-tuning continues its head and history; output in RUNDIR/finetune.")]
    public string? Run { get; init; }

    [CommandOption("--train-top <N>")]
    [Description("Train the top N backbone layers (NASNetLarge: 339 of 1039). 0 trains the head only.")]
    public int? TrainTop { get; init; }

    [CommandOption("--train-from <LAYER>")]
    [Description("Train from this layer (by name) to the top, instead of --train-top.")]
    public string? TrainFrom { get; init; }

    [CommandOption("--epochs <N>")]
    [Description("Fine-tuning epochs after the head-only ones (the seed: 5, i.e. epochs 6-10). Default 5.")]
    [DefaultValue(5)]
    public int Epochs { get; init; } = 5;

    [CommandOption("--lr <RATE>")]
    [Description("Head learning rate. Default 1e-4.")]
    [DefaultValue(1e-4)]
    public double LearningRate { get; init; } = 1e-4;

    [CommandOption("--backbone-lr-mult <X>")]
    [Description("Backbone learning rate = lr × X. Default 0.1.")]
    [DefaultValue(0.1)]
    public double BackboneLearningRateMultiplier { get; init; } = 0.1;

    [CommandOption("--optimizer <adam|sgd>")]
    [DefaultValue("adam")]
    public string Optimizer { get; init; } = "adam";

    [CommandOption("--weight-decay <W>")]
    [DefaultValue(0.0)]
    public double WeightDecay { get; init; }

    [CommandOption("--schedule <constant|cosine|step>")]
    [DefaultValue("constant")]
    public string Schedule { get; init; } = "constant";

    [CommandOption("--patience <N>")]
    [Description("Stop after N epochs without a lower val_loss; the best epoch's weights are kept. 0 = off. Default 3.")]
    [DefaultValue(3)]
    public int Patience { get; init; } = 3;

    [CommandOption("--augment")]
    [Description("Random resized crop and horizontal flip on training images (disables the boundary cache).")]
    public bool Augment { get; init; }

    [CommandOption("--seed <N>")]
    [DefaultValue(42)]
    public int Seed { get; init; } = 42;

    [CommandOption("--batch-size <N>")]
    [DefaultValue(32)]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--device <DEVICE>")]
    [Description("auto (CUDA when this build's libtorch has it), cpu, cuda or cuda:N.")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    [CommandOption("--threads <N>")]
    [Description("Torch threads; 0 = one per core.")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--no-boundary-cache")]
    [Description("Run the whole backbone every epoch instead of caching the frozen part's activations.")]
    public bool NoBoundaryCache { get; init; }

    [CommandOption("--boundary-dtype <TYPE>")]
    [Description("float32 (default, exact) or float16 (half the disk) for cached activations.")]
    [DefaultValue("float32")]
    public string BoundaryDType { get; init; } = "float32";

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

    [CommandOption("--json")]
    [Description("Print the result as one JSON object.")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Run)) return ValidationResult.Error("--run RUNDIR is required (the head-training run to continue).");
        if (TrainTop is null == string.IsNullOrWhiteSpace(TrainFrom)) return ValidationResult.Error("Give exactly one of --train-top N and --train-from LAYER.");
        return ValidationResult.Success();
    }

    public FineTuneOptions ToOptions() => new()
    {
        TrainTop = TrainTop,
        TrainFrom = string.IsNullOrWhiteSpace(TrainFrom) ? null : TrainFrom,
        Epochs = Epochs,
        LearningRate = LearningRate,
        BackboneLearningRateMultiplier = BackboneLearningRateMultiplier,
        Optimizer = BackboneSettings.ParseEnum<OptimizerKind>(Optimizer, "--optimizer") ?? OptimizerKind.Adam,
        WeightDecay = WeightDecay,
        Schedule = BackboneSettings.ParseEnum<ScheduleKind>(Schedule, "--schedule") ?? ScheduleKind.Constant,
        Patience = Patience,
        Augment = Augment,
        Seed = Seed,
        BatchSize = BatchSize,
        Device = Device,
        Threads = Threads,
        UseBoundaryCache = !NoBoundaryCache,
        BoundaryDType = FeatureCache.Store.FeatureDTypeExtensions.Parse(BoundaryDType),
        BoundaryCacheDirectory = BoundaryCache is null ? null : FeatureCache.Backbones.ModelFileLocator.ExpandHome(BoundaryCache),
    };
}

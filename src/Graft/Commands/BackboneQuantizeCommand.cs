using System.ComponentModel;
using System.Text.Json;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Onnx.Quantization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class BackboneQuantizeSettings : GraftSettings
{
    [CommandArgument(0, "<NAME|DESCRIPTOR>")]
    [Description("Backbone name or descriptor .json to quantize.")]
    public string Name { get; init; } = "";

    [CommandOption("--calibrate <DATA>")]
    [Description("Dataset whose training split calibrates the activation ranges (any format precompute reads).")]
    public string? Calibrate { get; init; }

    [CommandOption("--format <FORMAT>")]
    [DefaultValue("auto")]
    public string Format { get; init; } = "auto";

    [CommandOption("--split-ratios <R>")]
    [Description("For data without its own splits: the train,validation,test fractions precompute uses (default 0.8,0.1,0.1), so calibration sees only training images.")]
    public string? SplitRatios { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of that split, as given to precompute. Default 42.")]
    [DefaultValue(42)]
    public int Seed { get; init; } = 42;

    [CommandOption("--images <N>")]
    [Description("Calibration images, evenly spaced over the training split. Default 256.")]
    [DefaultValue(256)]
    public int Images { get; init; } = 256;

    [CommandOption("--method <METHOD>")]
    [Description("minmax (default), percentile (--percentile, default 99.99) or entropy (KL).")]
    [DefaultValue("minmax")]
    public string Method { get; init; } = "minmax";

    [CommandOption("--percentile <P>")]
    [DefaultValue(99.99)]
    public double Percentile { get; init; } = 99.99;

    [CommandOption("--activations <TYPE>")]
    [Description("uint8 (default) or int8.")]
    [DefaultValue("uint8")]
    public string Activations { get; init; } = "uint8";

    [CommandOption("--reduce-range")]
    [Description("7-bit weights: avoids U8S8 saturation on AVX2 CPUs without VNNI, at a small accuracy cost.")]
    public bool ReduceRange { get; init; }

    [CommandOption("--exclude <NODES>")]
    [Description("Comma-separated node names left in float32 (see --sensitivity).")]
    public string? Exclude { get; init; }

    [CommandOption("--sensitivity")]
    [Description("Also report each layer's error on the final features when only it is quantized (one pass over 16 calibration images per layer: seconds for ResNet18, long for NASNet).")]
    public bool Sensitivity { get; init; }

    [CommandOption("-o|--out <DIR>")]
    [Description("Folder for NAME-int8.onnx and NAME-int8.json. Default ./models/onnx (where graft finds backbones).")]
    public string? Out { get; init; }

    [CommandOption("--name <NAME>")]
    [Description("Name of the new backbone. Default NAME-int8.")]
    public string? NewName { get; init; }

    [CommandOption("--threads <N>")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--json")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Calibrate)) return ValidationResult.Error("--calibrate DATA is required (the training data the features are for).");
        if (Images < 1) return ValidationResult.Error($"--images {Images}: calibration needs at least 1 image.");
        if (Percentile is <= 50 or > 100) return ValidationResult.Error($"--percentile {Percentile} must be in (50, 100].");
        return base.Validate();
    }

    internal QuantizationOptions ToOptions() => new()
    {
        Method = BackboneSettings.ParseEnum<CalibrationMethod>(Method, "--method")!.Value,
        Percentile = Percentile,
        Activations = BackboneSettings.ParseEnum<ActivationType>(Activations, "--activations")!.Value,
        ReduceRange = ReduceRange,
        Exclude = (Exclude ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal),
    };
}

/// <summary><c>graft backbone quantize NAME --calibrate DATA</c>: an int8 copy of a backbone and its descriptor.</summary>
public sealed class BackboneQuantizeCommand(IAnsiConsole console) : Command<BackboneQuantizeSettings>
{
    public override int Execute(CommandContext context, BackboneQuantizeSettings settings, CancellationToken cancel)
    {
        var options = settings.ToOptions();
        var outDir = OutputPaths.Folder(settings.Out ?? Path.Combine("models", "onnx"), "--out"); // before any work
        var backbone = BackboneCatalog.Default().Resolve(settings.Name);
        if (!Enum.TryParse<DatasetFormat>(settings.Format, ignoreCase: true, out var format))
            throw new GraftException($"Unknown dataset format '{settings.Format}'.", "Use auto, folder, csv, idx or tfds.");
        var data = DatasetLoader.Load(ModelFileLocator.ExpandHome(settings.Calibrate!), new DatasetOptions
        {
            Format = format,
            Seed = settings.Seed,
            SplitRatios = settings.SplitRatios is null ? SplitRatios.Default : SplitRatios.Parse(settings.SplitRatios),
        });
        var view = settings.Json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : console;
        var result = BackboneQuantizer.Quantize(backbone, data, new BackboneQuantizeOptions
        {
            Images = settings.Images,
            Quantization = options,
            OutputDirectory = outDir,
            Name = settings.NewName,
            Sensitivity = settings.Sensitivity,
            Threads = settings.Threads,
        }, new SyncProgress<string>(m => view.MarkupLineInterpolated($"[grey]{m}[/]")));
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(result, JsonOutput.Options));
            return 0;
        }
        if (result.Sensitivity.Count > 0)
        {
            var t = new Table().Border(TableBorder.Rounded).AddColumn("node").AddColumn("op")
                .AddColumn(new TableColumn("cosine").RightAligned()).AddColumn(new TableColumn("rel. L2").RightAligned());
            foreach (var s in result.Sensitivity)
                t.AddRow(Markup.Escape(s.Node), s.OpType, $"{s.MeanCosine:0.00000}", $"{s.RelativeL2:0.0000}");
            console.Write(t);
            console.MarkupLine("[grey]features when only that layer is int8, against float32; leave the worst in float with --exclude NODE,...[/]");
        }
        console.MarkupLineInterpolated($"{result.QuantizedNodes} nodes in int8, {result.FloatNodes.Count} in float32, {result.FoldedBatchNorms} BatchNormalization folded; calibrated on {result.CalibrationImages} training images ({result.Method}, {result.Activations} activations){(result.SkippedImages > 0 ? $", {result.SkippedImages} undecodable skipped" : "")}");
        console.MarkupLineInterpolated($"int8 vs float32 features on {Math.Min(16, result.CalibrationImages)} of them: cosine mean {result.Agreement.MeanCosine:0.0000}, min {result.Agreement.MinCosine:0.0000}; relative L2 {result.Agreement.RelativeL2:0.0000}");
        console.MarkupLineInterpolated($"wrote [bold]{result.ModelPath}[/] (sha256 {result.Sha256[..12]}…) and {result.DescriptorPath}");
        console.MarkupLineInterpolated($"use it with --backbone {(settings.Out is null ? result.Name : result.DescriptorPath)}: its features are a feature set of their own.");
        return 0;
    }
}

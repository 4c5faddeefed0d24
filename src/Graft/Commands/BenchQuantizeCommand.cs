using System.ComponentModel;
using System.Text.Json;
using Graft.Bench.Quantization;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Onnx.Quantization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class BenchQuantizeSettings : BackboneSettings
{
    [CommandOption("--images <N>")]
    [Description("Images of each full-pipeline run. Default 200.")]
    [DefaultValue(200)]
    public int Images { get; init; } = 200;

    [CommandOption("--calibration-images <N>")]
    [DefaultValue(64)]
    public int CalibrationImages { get; init; } = 64;

    [CommandOption("--batch-size <N>")]
    [DefaultValue(16)]
    public int BatchSize { get; init; } = 16;

    [CommandOption("--threads <N>")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--rounds <N>")]
    [DefaultValue(4)]
    public int Rounds { get; init; } = 4;

    [CommandOption("--method <METHOD>")]
    [DefaultValue("minmax")]
    public string Method { get; init; } = "minmax";

    [CommandOption("--activations <TYPE>")]
    [DefaultValue("uint8")]
    public string Activations { get; init; } = "uint8";

    [CommandOption("--no-nasnet")]
    [Description("Skip the random-init NASNetLarge row.")]
    public bool NoNasNet { get; init; }

    [CommandOption("--json")]
    public bool Json { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data PATH is required (photos to calibrate and measure on).")
        : Images < 1 || CalibrationImages < 1 || BatchSize < 1 || Rounds < 1 ? ValidationResult.Error("--images, --calibration-images, --batch-size and --rounds must be at least 1.")
        : ValidationResult.Success();
}

/// <summary><c>graft bench quantize</c>: fp32 vs int8, raw inference and full pipeline, in one run.</summary>
public sealed class BenchQuantizeCommand(IAnsiConsole console) : Command<BenchQuantizeSettings>
{
    public override int Execute(CommandContext context, BenchQuantizeSettings settings, CancellationToken cancel)
    {
        var view = settings.Json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : console;
        var result = QuantizeBenchmark.Run(settings.LoadDataset(), settings.ResolveBackbone(), new QuantizeBenchOptions
        {
            BatchSize = settings.BatchSize,
            Threads = settings.Threads,
            PipelineImages = settings.Images,
            CalibrationImages = settings.CalibrationImages,
            Rounds = settings.Rounds,
            NasNet = !settings.NoNasNet,
            Quantization = new QuantizationOptions
            {
                Method = BackboneSettings.ParseEnum<CalibrationMethod>(settings.Method, "--method")!.Value,
                Activations = BackboneSettings.ParseEnum<ActivationType>(settings.Activations, "--activations")!.Value,
            },
        }, new SyncProgress<string>(m => view.MarkupLineInterpolated($"[grey]{m}[/]")));
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(result, JsonOutput.Options));
            return 0;
        }
        var t = new Table().Border(TableBorder.Rounded).AddColumn("backbone").AddColumn(new TableColumn("batch").RightAligned())
            .AddColumn(new TableColumn("raw fp32").RightAligned()).AddColumn(new TableColumn("raw int8").RightAligned()).AddColumn(new TableColumn("×").RightAligned())
            .AddColumn(new TableColumn("pipeline fp32").RightAligned()).AddColumn(new TableColumn("pipeline int8").RightAligned()).AddColumn(new TableColumn("×").RightAligned())
            .AddColumn(new TableColumn("cosine mean/min").RightAligned());
        foreach (var r in result.Rows)
            t.AddRow(Markup.Escape(r.Backbone), r.BatchSize.ToString(), $"{r.RawFp32:0.0}", $"{r.RawInt8:0.0}", $"[bold]{r.RawSpeedup:0.00}[/]",
                r.PipelineFp32 is { } pf ? $"{pf:0.0}" : "—", r.PipelineInt8 is { } pi ? $"{pi:0.0}" : "—", r.PipelineSpeedup is { } ps ? $"{ps:0.00}" : "—",
                $"{r.Agreement.MeanCosine:0.0000}/{r.Agreement.MinCosine:0.0000}");
        console.Write(t);
        console.MarkupLine("[grey]images/s; raw = ONNX Runtime on ready tensors, pipeline = graft precompute (decode, preprocess, inference, store)[/]");
        foreach (var r in result.Rows.Where(r => r.Note is not null || r.FeatureSets is not null))
            console.MarkupLineInterpolated($"[grey]{r.Backbone}: {r.Note ?? ""}{(r.FeatureSets is null ? "" : $" feature sets {r.FeatureSets}")}[/]");
        console.MarkupLineInterpolated($"[grey]instruction set: {result.InstructionSet}[/]");
        console.MarkupLineInterpolated($"[grey]{result.Configuration}[/]");
        console.MarkupLineInterpolated($"[grey]{result.Machine}[/]");
        return 0;
    }
}

using System.ComponentModel;
using System.Text.Json;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Decoding;
using Graft.HeadTrainer.Deployment;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class PredictSettings : RunSettings
{
    [CommandArgument(0, "<IMAGE|FOLDER>")]
    [Description("Image files, or folders searched recursively for images.")]
    public string[] Paths { get; init; } = [];

    [CommandOption("-k|--top-k <K>")]
    [Description("How many classes to show per image, most probable first.")]
    [DefaultValue(5)]
    public int TopK { get; init; } = 5;

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda (cuda:N for GPU N); auto uses CUDA when a GPU and its libraries are usable.")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    [CommandOption("--batch-size <N>")]
    [Description("Images per backbone call.")]
    [DefaultValue(32)]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--max-file-megabytes <MB>")]
    [Description("Largest image file read; bigger ones are skipped as TooLarge, and no read goes past it. Default 256.")]
    [DefaultValue(256.0)]
    public double MaxFileMegabytes { get; init; } = 256;

    [CommandOption("--json")]
    [Description("Print the predictions as one JSON array on stdout: path, label, top (label, probability), skipped; progress goes to stderr.")]
    public bool Json { get; init; }

    public override ValidationResult Validate() =>
        base.Validate() is { Successful: false } invalid ? invalid
        : MaxFileMegabytes <= 0 ? ValidationResult.Error("--max-file-megabytes must be positive.")
        : TopK < 1 ? ValidationResult.Error("--top-k must be at least 1.")
        : BatchSize < 1 ? ValidationResult.Error("--batch-size must be at least 1.")
        : ValidationResult.Success();
}

/// <summary><c>graft predict</c>: labels and probabilities straight from image files (backbone + head).</summary>
public sealed class PredictCommand(IAnsiConsole console) : Command<PredictSettings>
{
    public override int Execute(CommandContext context, PredictSettings settings, CancellationToken cancel)
    {
        var notes = new List<string>();
        var files = settings.Paths.SelectMany(p => ImageClassifier.FindImages(ModelFileLocator.ExpandHome(p), notes)).Distinct().ToList();
        using var classifier = ImageClassifier.Open(ModelFileLocator.ExpandHome(settings.Run!),
            new BackboneRunOptions { Device = ExecutionDevice.Parse(settings.Device), MaxBatchSize = Math.Min(settings.BatchSize, files.Count) },
            new DecoderLimits { MaxFileMegabytes = settings.MaxFileMegabytes });
        // With --json, stdout carries only the JSON array; progress goes to stderr.
        var view = settings.Json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : console;
        var predictions = CountProgressView.Run(view, "predict", files.Count, p => classifier.Predict(files, settings.TopK, p));
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(predictions.Select(p => new
            {
                path = p.Path,
                label = p.Label,
                top = p.Top.Select(t => new { label = t.Label, probability = t.Probability }),
                skipped = p.Skipped,
            }), JsonOutput.Options));
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumn("image").AddColumn("prediction");
        for (var k = 1; k < settings.TopK && k < classifier.ClassNames.Count; k++) table.AddColumn($"#{k + 1}");
        var columns = table.Columns.Count;
        foreach (var p in predictions)
        {
            var name = Markup.Escape(FeatureCache.Datasets.ClassNameRules.Visible(System.IO.Path.GetFileName(p.Path)));
            if (p.Skipped is not null)
            {
                table.AddRow([name, $"[yellow]skipped: {Markup.Escape(FeatureCache.Datasets.ClassNameRules.Visible(p.Skipped))}[/]", .. Enumerable.Repeat("", columns - 2)]);
                continue;
            }
            table.AddRow([name, .. p.Top.Select((t, i) => (i == 0 ? "[bold]" : "") + $"{Markup.Escape(t.Label)} {t.Probability:P1}" + (i == 0 ? "[/]" : ""))
                .Concat(Enumerable.Repeat("", Math.Max(0, columns - 1 - p.Top.Count)))]);
        }
        console.Write(table);
        foreach (var note in notes) console.MarkupLineInterpolated($"[yellow]warning:[/] {note}");
        console.MarkupLineInterpolated($"[grey]{classifier.DeviceDescription}[/]");
        return 0;
    }
}

public sealed class ExportSettings : RunSettings
{
    [CommandOption("--format <onnx|mlnet>")]
    [Description("onnx: one ONNX classifier (image tensor in, probabilities out); mlnet: an ML.NET model zip for PredictionEngine.")]
    [DefaultValue("onnx")]
    public string Format { get; init; } = "onnx";

    [CommandOption("-o|--out <FILE>")]
    [Description("Output file. Default: RUNDIR/classifier.onnx or RUNDIR/classifier.zip.")]
    public string? Out { get; init; }

    public override ValidationResult Validate() =>
        base.Validate();
}

/// <summary><c>graft export</c>.</summary>
public sealed class ExportCommand(IAnsiConsole console) : Command<ExportSettings>
{
    public override int Execute(CommandContext context, ExportSettings settings, CancellationToken cancel)
    {
        var format = BackboneSettings.ParseEnum<ExportFormat>(settings.Format, "--format")!.Value;
        var run = ModelFileLocator.ExpandHome(settings.Run!);
        var output = settings.Out ?? System.IO.Path.Combine(run, format == ExportFormat.Onnx ? "classifier.onnx" : "classifier.zip");
        var target = OutputPaths.File(output, "--out");
        // Composing the graph and (mlnet) fitting the ML.NET pipeline take seconds to a minute: say what is happening.
        if (!console.Profile.Capabilities.Interactive)
            console.MarkupLineInterpolated($"[grey]exporting {format.ToString().ToLowerInvariant()}: composing backbone + head…[/]");
        var path = console.Status().Start($"exporting {format.ToString().ToLowerInvariant()}: composing backbone + head",
            _ => ClassifierExport.Export(run, format, target));
        console.MarkupLineInterpolated($"wrote {path} ({new FileInfo(path).Length / 1e6:0.0} MB)");
        var note = format == ExportFormat.Onnx
            ? "input 'image': float32 [N,3,H,W] RGB planes 0..255 at the backbone's size; outputs 'probabilities' [N,C], 'class_index' [N]; class names in metadata 'graft.class_names'."
            : "load with mlContext.Model.Load in an app that references the Graft.MlNet package (it decodes and resizes as Graft does); input column ImagePath (string); outputs Score (float[C]) and PredictedLabel (string[1]). See README.";
        console.MarkupLineInterpolated($"[grey]{note}[/]");
        return 0;
    }
}

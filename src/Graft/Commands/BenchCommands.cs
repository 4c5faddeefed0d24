using System.ComponentModel;
using System.Text.Json;
using Graft.Bench;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Backbones;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class BenchPrecomputeSettings : BackboneSettings
{
    [CommandOption("--images <N>")]
    [Description("Images to use (the first N of the dataset). Default 200.")]
    [DefaultValue(200)]
    public int Images { get; init; } = 200;

    [CommandOption("--batch-size <N>")]
    [DefaultValue(32)]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--threads <N>")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--workers <N>")]
    [DefaultValue(0)]
    public int Workers { get; init; }

    [CommandOption("--device <DEVICE>")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    [CommandOption("--no-mlnet")]
    [Description("Skip ML.NET's DnnFeaturizeImage path.")]
    public bool NoMlNet { get; init; }

    [CommandOption("--json")]
    public bool Json { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data PATH is required (photos to measure on).") : ValidationResult.Success();
}

/// <summary><c>graft bench precompute</c>.</summary>
public sealed class BenchPrecomputeCommand(IAnsiConsole console) : Command<BenchPrecomputeSettings>
{
    public override int Execute(CommandContext context, BenchPrecomputeSettings settings, CancellationToken cancel)
    {
        var result = PrecomputeBenchmark.Run(settings.LoadDataset(), settings.ResolveBackbone(), new PrecomputeBenchOptions
        {
            Images = settings.Images,
            BatchSize = settings.BatchSize,
            Threads = settings.Threads,
            Workers = settings.Workers,
            Device = ExecutionDevice.Parse(settings.Device),
            MlNet = !settings.NoMlNet,
        }, settings.Json ? null : new Progress<string>(m => console.MarkupLineInterpolated($"[grey]{m}[/]")));
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(result, JsonOutput.Options));
            return 0;
        }
        var t = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("images/s").RightAligned()).AddColumn("note");
        t.AddRow("a  raw inference (ready tensors)", $"{result.RawInference:0.0}", "");
        t.AddRow("b  read + decode + preprocess", $"{result.DecodePreprocess:0.0}", "all decode workers");
        t.AddRow("bound 1/(1/a+1/b)", $"{result.Bound:0.0}", "cores shared by both");
        t.AddRow("[bold]graft pipeline[/]", $"[bold]{result.Pipeline:0.0}[/]", $"{result.PipelineToBound:0.00} × bound");
        if (result.MlNet is { } m)
            t.AddRow("ML.NET DnnFeaturizeImage path", $"{m:0.0}", $"graft is {result.SpeedupOverMlNet:0.00}× faster");
        console.Write(t);
        console.MarkupLineInterpolated($"pipeline RSS at 25/50/75/100% of images: {string.Join(" / ", result.PipelineRssMb.Select(r => $"{r:0} MB"))}");
        console.MarkupLineInterpolated($"[grey]{result.Device}[/]");
        console.MarkupLineInterpolated($"[grey]{result.Configuration}[/]");
        console.MarkupLineInterpolated($"[grey]{result.Machine}[/]");
        return 0;
    }
}

public sealed class BenchReadSettings : CacheSettings
{
    [CommandOption("--repeat <N>")]
    [DefaultValue(3)]
    public int Repeat { get; init; } = 3;

    [CommandOption("--synthetic <NxD>")]
    [Description("Measure on a temporary cache of N×D synthetic features instead, e.g. 10000x4032.")]
    public string? Synthetic { get; init; }

    public override ValidationResult Validate() =>
        Synthetic is null ? base.Validate() : ValidationResult.Success();

    internal (int Count, int Dimension) ParseSynthetic()
    {
        var parts = Synthetic!.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out var n) && int.TryParse(parts[1], out var d) && n > 0 && d > 0) return (n, d);
        throw new GraftException($"--synthetic '{Synthetic}' is not NxD.", "For example --synthetic 10000x4032.");
    }
}

/// <summary><c>graft bench read</c>: all features of every split into contiguous arrays, verified, from the page cache.</summary>
public sealed class BenchReadCommand(IAnsiConsole console) : Command<BenchReadSettings>
{
    public override int Execute(CommandContext context, BenchReadSettings settings, CancellationToken cancel)
    {
        string? temp = null;
        FeatureCache.Store.FeatureSet set;
        if (settings.Synthetic is not null)
        {
            var (n, d) = settings.ParseSynthetic();
            temp = Path.Combine(Path.GetTempPath(), $"graft-bench-read-{Guid.NewGuid():N}");
            console.MarkupLineInterpolated($"[grey]writing {n}×{d} synthetic features to {temp}[/]");
            set = SyntheticCache.Create(temp, n, d);
        }
        else
        {
            set = settings.OpenStore().Select(settings.FeatureSet);
        }
        ReadBenchmark.Result result;
        try
        {
            result = ReadBenchmark.Run(set, settings.Repeat);
        }
        finally
        {
            if (temp is not null) Directory.Delete(temp, true);
        }
        foreach (var r in result.Runs)
            console.MarkupLineInterpolated($"read {result.Records} records ({result.Bytes / 1e6:0.0} MB on disk) in {r * 1000:0.0} ms: [bold]{result.Bytes / r / 1e9:0.00} GB/s[/]");
        console.MarkupLineInterpolated($"[grey]{MachineInfo.Describe()}[/]");
        return 0;
    }
}

public sealed class BenchHeadsSettings : GraftSettings
{
    [CommandOption("--synthetic <NxD>")]
    [Description("Cached features to train on. Default 10000x4032 (NASNetLarge-sized).")]
    [DefaultValue("10000x4032")]
    public string Synthetic { get; init; } = "10000x4032";

    [CommandOption("--classes <C>")]
    [DefaultValue(10)]
    public int Classes { get; init; } = 10;

    [CommandOption("--heads <LIST>")]
    [Description("Comma-separated: linear, mlp, lightgbm. Default linear,mlp (lightgbm takes minutes at this size).")]
    [DefaultValue("linear,mlp")]
    public string Heads { get; init; } = "linear,mlp";

    [CommandOption("-b|--backbone <NAME|FILE>")]
    [Description("Backbone whose forward pass the seed repeats each epoch. Default: a random-init NASNetLarge built for the purpose.")]
    public string? Backbone { get; init; }

    [CommandOption("--json")]
    [Description("Print the result as one JSON object on stdout; progress lines go to stderr.")]
    public bool Json { get; init; }
}

/// <summary><c>graft bench heads</c>.</summary>
public sealed class BenchHeadsCommand(IAnsiConsole console) : Command<BenchHeadsSettings>
{
    public override int Execute(CommandContext context, BenchHeadsSettings settings, CancellationToken cancel)
    {
        var (n, d) = new BenchReadSettings { Synthetic = settings.Synthetic }.ParseSynthetic();
        var heads = settings.Heads.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(h => BackboneSettings.ParseEnum<HeadTrainer.HeadKind>(h, "--heads")!.Value).Distinct().ToList();
        // With --json, stdout carries only the JSON object; the progress lines go to stderr.
        var view = settings.Json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : console;
        var result = HeadsBenchmark.Run(new HeadsBenchOptions
        {
            Count = n,
            Dimension = d,
            Classes = settings.Classes,
            Heads = heads,
            Backbone = settings.Backbone is null ? null : BackboneCatalog.Default().Resolve(settings.Backbone),
        }, new SyncProgress<string>(m => view.MarkupLineInterpolated($"[grey]{m}[/]")), cancel);
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(result, JsonOutput.Options));
            return 0;
        }
        var t = new Table().Border(TableBorder.Rounded).AddColumn("head").AddColumn(new TableColumn("epochs").RightAligned())
            .AddColumn(new TableColumn("graft (s)").RightAligned()).AddColumn(new TableColumn("seed's approach (s)").RightAligned())
            .AddColumn(new TableColumn("ratio").RightAligned()).AddColumn(new TableColumn("val acc").RightAligned());
        foreach (var r in result.Rows)
            t.AddRow(r.Head, r.Epochs.ToString(), $"{r.Seconds:0.0}", $"{r.SeedSeconds:N0}", $"{r.Speedup:N0}×", $"{r.ValidationAccuracy:P1}");
        console.Write(t);
        console.MarkupLineInterpolated($"seed's approach = {result.ForwardBackbone} forward {result.ForwardSecondsPerImage * 1000:0} ms/image × (train + validation) × epochs; Graft's one-time precompute of all images ≈ {result.PrecomputeSeconds:N0} s");
        console.MarkupLineInterpolated($"[grey]{result.Configuration}[/]");
        console.MarkupLineInterpolated($"[grey]{result.Machine}[/]");
        return 0;
    }
}

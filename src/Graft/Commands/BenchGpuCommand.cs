using System.ComponentModel;
using System.Text.Json;
using Graft.Bench.Gpu;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Backbones;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class BenchGpuSettings : GraftSettings
{
    [CommandOption("--device <DEVICE>")]
    [Description("cuda (default), cuda:N, or cpu (everything but the CUDA provider, for a dry run).")]
    [DefaultValue("cuda")]
    public string Device { get; init; } = "cuda";

    [CommandOption("--models <LIST>")]
    [Description("Comma-separated: resnet18, nasnet_large (random weights), nasnet_mobile (random weights). Default resnet18,nasnet_large.")]
    [DefaultValue("resnet18,nasnet_large")]
    public string Models { get; init; } = "resnet18,nasnet_large";

    [CommandOption("--batch-sizes <LIST>")]
    [DefaultValue("1,8,32")]
    public string BatchSizes { get; init; } = "1,8,32";

    [CommandOption("-d|--data <PATH>")]
    [Description("Measure on these photos (the first --images of them) instead of synthetic ones.")]
    public string? Data { get; init; }

    [CommandOption("--images <N>")]
    [Description("Photos precomputed per model and precision (synthetic unless --data). Default 128.")]
    [DefaultValue(128)]
    public int Images { get; init; } = 128;

    [CommandOption("--compare-images <N>")]
    [Description("Photos whose device features are compared with the CPU's. Default 8.")]
    [DefaultValue(8)]
    public int CompareImages { get; init; } = 8;

    [CommandOption("--seconds <S>")]
    [Description("Timed seconds per batch size. Default 3.")]
    [DefaultValue(3.0)]
    public double Seconds { get; init; } = 3;

    [CommandOption("--budget-seconds <S>")]
    [Description("Start no further model or precision after S seconds (0: no limit); the summary lists what was skipped.")]
    [DefaultValue(0.0)]
    public double BudgetSeconds { get; init; }

    [CommandOption("--threads <N>")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--json <FILE>")]
    [Description("Write the summary here as JSON (its path is printed).")]
    public string? Json { get; init; }

    internal IReadOnlyList<int> ParseBatchSizes()
    {
        var parts = BatchSizes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sizes = parts.Select(p => int.TryParse(p, out var b) && b is >= 1 and <= 4096 ? b : -1).ToList();
        if (sizes.Count == 0 || sizes.Contains(-1))
            throw new GraftException($"--batch-sizes '{BatchSizes}' is not a list of sizes 1..4096.", "For example --batch-sizes 1,8,32.");
        return sizes;
    }
}

/// <summary><c>graft bench gpu</c>: fp32 and fp16 backbones on the CUDA EP, against the CPU; see <see cref="GpuCheck"/>.
/// Exit 0 when every device feature agrees with the CPU's, 4 when one is out of tolerance.</summary>
public sealed class BenchGpuCommand(IAnsiConsole console) : Command<BenchGpuSettings>
{
    /// <summary>Exit code when the check ran but a device's features disagree with the CPU's.</summary>
    public const int OutOfTolerance = 4;

    public override int Execute(CommandContext context, BenchGpuSettings settings, CancellationToken cancel)
    {
        var json = settings.Json is null ? null : OutputPaths.File(settings.Json, "--json"); // checked before minutes of work
        var options = new GpuCheckOptions
        {
            Device = ExecutionDevice.Parse(settings.Device),
            Models = settings.Models.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(m => m.ToLowerInvariant()).ToList(),
            BatchSizes = settings.ParseBatchSizes(),
            Data = settings.Data is null ? null : FeatureCache.Backbones.ModelFileLocator.ExpandHome(settings.Data),
            Images = settings.Images,
            CompareImages = settings.CompareImages,
            SecondsPerBatchSize = settings.Seconds > 0 ? settings.Seconds : throw new GraftException($"--seconds {settings.Seconds} must be positive."),
            Threads = settings.Threads,
            BudgetSeconds = settings.BudgetSeconds,
        };
        var result = GpuCheck.Run(options, new SyncProgress<string>(m => console.MarkupLineInterpolated($"[grey]{m}[/]")));
        var t = new Table().Border(TableBorder.Rounded).AddColumn("model").AddColumn("precision").AddColumn(new TableColumn("MB").RightAligned())
            .AddColumn("images/s by batch (GPU MiB)").AddColumn(new TableColumn("pipeline img/s").RightAligned())
            .AddColumn("vs CPU: max rel |Δ|, min cos").AddColumn("vs fp32 (CPU)");
        foreach (var v in result.Variants)
            t.AddRow(v.Model, v.Precision, $"{v.ModelMegabytes:0.0}",
                string.Join("  ", v.Batches.Select(b => $"{b.BatchSize}: {b.ImagesPerSecond:0.0}" + (b.PeakGpuMemoryMb is { } m ? $" ({m:0})" : ""))),
                $"{v.PipelineImagesPerSecond:0.0}",
                $"{v.DeviceVsCpu.MaxRelativeDelta:E1}, {v.DeviceVsCpu.MinCosine:F6} " + (v.Passed ? "[green]ok[/]" : "[red]OUT[/]"),
                v.VersusFp32 is { } f ? $"{f.MaxRelativeDelta:E1}, {f.MinCosine:F5}" : "");
        console.Write(t);
        console.MarkupLineInterpolated($"[grey]{result.Gpu ?? "no nvidia-smi"} · ONNX Runtime {result.OnnxRuntime} · {result.Machine} · {result.Seconds:0} s[/]");
        if (result.Skipped.Count > 0)
            console.MarkupLineInterpolated($"[yellow]not measured (time budget):[/] {string.Join(", ", result.Skipped)}");
        if (json is not null)
        {
            var full = Path.GetFullPath(json);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            Graft.AtomicFile.WriteAllText(full, JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonOutput.Options) { WriteIndented = true }) + "\n");
            console.MarkupLineInterpolated($"summary: {full}");
        }
        if (result.Passed) return 0;
        console.MarkupLine("[red]device features differ from the CPU's beyond tolerance[/] (see vs CPU above)");
        return OutOfTolerance;
    }
}

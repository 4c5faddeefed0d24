using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Graft.Bench;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Backbones;
using Graft.ModelImport;
using Graft.Bench.NasNet;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands.Import;

public sealed class BenchNasNetSettings : GraftSettings
{
    [CommandOption("--arch <ARCH>")]
    [Description("nasnet-large (default) or nasnet-mobile.")]
    [DefaultValue("nasnet-large")]
    public string Arch { get; init; } = "nasnet-large";

    [CommandOption("--model <FILE.onnx>")]
    [Description("Time this ONNX model instead of a random-init one built on the fly.")]
    public string? Model { get; init; }

    [CommandOption("--batch-sizes <LIST>")]
    [Description("Comma-separated. Default 1,8,32.")]
    [DefaultValue("1,8,32")]
    public string BatchSizes { get; init; } = "1,8,32";

    [CommandOption("--seconds <S>")]
    [Description("Minimum timed seconds per batch size. Default 10.")]
    [DefaultValue(10.0)]
    public double Seconds { get; init; } = 10;

    [CommandOption("--threads <N>")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--device <DEVICE>")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    [CommandOption("--json")]
    public bool Json { get; init; }
}

/// <summary><c>graft bench nasnet</c>: NASNet precompute images/s at several batch sizes next to the FLOP bound.</summary>
public sealed class BenchNasNetCommand(IAnsiConsole console) : Command<BenchNasNetSettings>
{
    public override int Execute(CommandContext context, BenchNasNetSettings settings, CancellationToken cancel)
    {
        int[] batches;
        try
        {
            batches = settings.BatchSizes.Split(',', StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new GraftException($"--batch-sizes '{settings.BatchSizes}' is not a comma-separated list of numbers.", "E.g. --batch-sizes 1,8,32.");
        }
        var result = NasNetBenchmark.Run(new NasNetBenchOptions
        {
            Architecture = KerasArchitecture.Find(settings.Arch),
            ModelPath = settings.Model is null ? null : ModelFileLocator.ExpandHome(settings.Model),
            BatchSizes = batches,
            SecondsPerBatchSize = settings.Seconds,
            Threads = settings.Threads,
            Device = ExecutionDevice.Parse(settings.Device),
        }, settings.Json ? null : new ConsoleLines(console));

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(result, JsonOutput.Options));
            return 0;
        }
        var t = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("images/s").RightAligned()).AddColumn("note");
        foreach (var s in result.Speeds)
            t.AddRow($"ONNX Runtime, batch {s.BatchSize}", $"{s.ImagesPerSecond:0.00}", $"{s.BatchesTimed} batches in {s.Seconds:0.0} s; {s.ImagesPerSecond / result.GemmBoundImagesPerSecond:P0} of the FLOP bound");
        t.AddRow("FLOP bound", $"{result.GemmBoundImagesPerSecond:0.00}",
            $"{result.MultiplyAddsPerImage / 1e9:0.00} G multiply-adds/image at the peak GEMM rate");
        console.Write(t);
        console.MarkupLineInterpolated($"peak GEMM (ONNX Runtime MatMul): [bold]{result.PeakGemmGflops:0} GFLOP/s[/]; register FMA loop: {result.PeakFmaGflops:0} GFLOP/s; {result.Threads} threads");
        console.MarkupLineInterpolated($"[grey]{result.Device}[/]");
        console.MarkupLineInterpolated($"[grey]{MachineInfo.Describe()}[/]");
        return 0;
    }
}

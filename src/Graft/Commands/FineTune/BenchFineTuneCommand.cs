using System.Text.Json;
using Graft.Cli.Rendering;
using Graft.Bench.FineTune;
using Graft.FineTuner.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands.FineTune;

/// <summary><c>graft bench finetune</c>: epoch time with the boundary cache vs a full forward, and training-step
/// throughput next to PyTorch's on the same model and batch.</summary>
public sealed class BenchFineTuneCommand(IAnsiConsole console) : Command<BenchFineTuneSettings>
{
    public override int Execute(CommandContext context, BenchFineTuneSettings settings, CancellationToken cancel)
    {
        var items = FineTuneItems.FromDataset(settings.LoadDataset());
        var r = FineTuneBenchmark.Run(settings.ResolveBackbone(), items, new FineTuneBenchOptions
        {
            TrainFrom = settings.TrainFrom,
            TrainTop = settings.TrainTop,
            Images = settings.Images,
            BatchSize = settings.BatchSize,
            Epochs = settings.Epochs,
            Steps = settings.Steps,
            Threads = settings.Threads,
            Device = settings.Device,
        }, settings.Json ? null : new Lines(console), cancel);
        JsonElement? pytorch = settings.PyTorch is null ? null : JsonDocument.Parse(File.ReadAllText(settings.PyTorch)).RootElement.Clone();
        if (settings.Json)
        {
            var extrapolated = FineTuneBenchResult.ReferenceDatasets.Select(d =>
            {
                var (full, cached, fill) = r.ScaledTo(d.Images);
                return new { dataset = d.Name, images = d.Images, full_epoch_seconds = full, cached_epoch_seconds = cached, cache_fill_seconds = fill };
            });
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new { torchsharp = r, extrapolated, pytorch }, JsonOutput.Options));
            return ExitCodes.Ok;
        }
        var epochs = new Table().Border(TableBorder.Rounded).AddColumn($"epoch of {r.Images} images, batch {r.BatchSize}")
            .AddColumn(new TableColumn("seconds").RightAligned()).AddColumn(new TableColumn("CPU seconds").RightAligned());
        epochs.AddRow("full forward every epoch (decode + whole backbone)", $"{r.FullEpochSeconds:F2}", $"{r.FullEpochCpuSeconds:F2}");
        epochs.AddRow("boundary cache (trainable top only)", $"{r.CachedEpochSeconds:F2}", $"{r.CachedEpochCpuSeconds:F2}");
        epochs.AddRow("[bold]speed-up[/]", $"[bold]{r.EpochSpeedup:F2}×[/]", $"[bold]{r.EpochCpuSpeedup:F2}×[/]");
        epochs.AddRow("one-time cache fill", $"{r.CacheFillSeconds:F2}", "");
        epochs.AddRow("one-time fill of one augmented view", $"{r.AugmentedViewFillSeconds:F2}", "");
        var views = FineTuner.Training.FineTuneOptions.DefaultAugmentViews;
        var (fullRun, cachedRun) = r.AugmentedRun(5, views);
        epochs.AddRow($"5 augmented epochs: full forward every epoch", $"{fullRun:F2}", "");
        epochs.AddRow($"5 augmented epochs: fill + {views} cached views + cached epochs", $"{cachedRun:F2}", "");
        console.Write(epochs);
        var scaled = new Table().Border(TableBorder.Rounded).AddColumn("epoch extrapolated to")
            .AddColumn(new TableColumn("full forward").RightAligned()).AddColumn(new TableColumn("boundary cache").RightAligned())
            .AddColumn(new TableColumn("one-time fill").RightAligned());
        foreach (var (name, images) in FineTuneBenchResult.ReferenceDatasets)
        {
            var (full, cached, fill) = r.ScaledTo(images);
            scaled.AddRow($"{name} ({images} images)", Duration(full), Duration(cached), Duration(fill));
        }
        console.Write(scaled);
        var steps = new Table().Border(TableBorder.Rounded).AddColumn($"training step, batch {r.BatchSize}, images/s").AddColumn(new TableColumn("TorchSharp").RightAligned()).AddColumn(new TableColumn("PyTorch").RightAligned());
        string Py(string key) => pytorch is { } p && p.TryGetProperty(key, out var v) ? $"{v.GetDouble():F1}" : "-";
        steps.AddRow("whole network forward", $"{r.FullStepImagesPerSecond:F1}", Py("full_step_images_per_s"));
        steps.AddRow("from the freeze boundary", $"{r.TopStepImagesPerSecond:F1}", Py("top_step_images_per_s"));
        console.Write(steps);
        console.MarkupLineInterpolated($"[grey]{r.Plan}; {r.Device}[/]");
        if (pytorch is { } py && py.TryGetProperty("engine", out var engine))
            console.MarkupLineInterpolated($"[grey]PyTorch: {engine.GetString()}, {py.GetProperty("threads").GetInt32()} threads[/]");
        return ExitCodes.Ok;
    }

    private static string Duration(double seconds) =>
        seconds < 120 ? $"{seconds:F0} s" : seconds < 7200 ? $"{seconds / 60:F1} min" : $"{seconds / 3600:F1} h";

    /// <summary>Log lines printed in order, on the reporting thread.</summary>
    private sealed class Lines(IAnsiConsole console) : IProgress<string>
    {
        public void Report(string value) => console.MarkupLineInterpolated($"[grey]{value}[/]");
    }
}

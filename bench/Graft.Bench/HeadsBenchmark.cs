using System.Diagnostics;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Store;
using Graft.HeadTrainer;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Training;
using Graft.ModelImport;

namespace Graft.Bench;

/// <summary>Options of <see cref="HeadsBenchmark"/>.</summary>
public sealed record HeadsBenchOptions
{
    public int Count { get; init; } = 10_000;
    public int Dimension { get; init; } = 4032;
    public int Classes { get; init; } = 10;
    public IReadOnlyList<HeadKind> Heads { get; init; } = [HeadKind.Linear, HeadKind.Mlp];
    /// <summary>The backbone whose forward pass the seed's approach repeats every epoch; null builds a random-init
    /// NASNetLarge (the 4032-d backbone of the seed) to time it.</summary>
    public BackboneDescriptor? Backbone { get; init; }
    /// <summary>Images timed through the backbone for the per-image forward cost.</summary>
    public int ForwardImages { get; init; } = 16;
}

/// <summary>One head's retraining time and what the seed's approach costs for the same epochs.</summary>
/// <param name="Head">linear, mlp (early stopping), mlp-100 (all 100 epochs) or lightgbm.</param>
/// <param name="Epochs">Epochs (mlp), grid points (linear) or fits (lightgbm) run.</param>
/// <param name="Seconds">Graft: training the head on cached features.</param>
/// <param name="SeedSeconds">The seed: the frozen base recomputed over train + validation each epoch (forward time only).</param>
/// <param name="ValidationAccuracy">Of the kept model (synthetic clusters: a sanity check, not a result).</param>
public sealed record HeadBenchRow(string Head, int Epochs, double Seconds, double SeedSeconds, double ValidationAccuracy)
{
    public double Speedup => Seconds > 0 ? SeedSeconds / Seconds : 0;
}

public sealed record HeadsBenchResult(string Machine, string Configuration, double ForwardSecondsPerImage, string ForwardBackbone,
    double PrecomputeSeconds, IReadOnlyList<HeadBenchRow> Rows);

/// <summary>
/// <c>graft bench heads</c>: retraining time of each head on 10 000 × 4032 cached features, beside the seed's
/// approach (Keras recomputing the frozen NASNetLarge for every image of every epoch), measured as the backbone's
/// per-image forward time × images × epochs.
/// </summary>
public static class HeadsBenchmark
{
    private const string TempPrefix = "graft-bench-heads-";

    /// <summary>Runs the benchmark in a temporary folder (hundreds of MB at the default size), deleted at the end, on
    /// an error or on <paramref name="cancel"/> (Ctrl+C), and by the next run when a killed process left it behind.
    /// <paramref name="log"/> hears each step and each training epoch.</summary>
    public static HeadsBenchResult Run(HeadsBenchOptions options, IProgress<string>? log = null, CancellationToken cancel = default)
    {
        DeleteOrphans(log);
        var root = Path.Combine(Path.GetTempPath(), $"{TempPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            log?.Report($"writing {options.Count}×{options.Dimension} synthetic features ({options.Classes} classes)");
            var set = SyntheticCache.Create(Path.Combine(root, "cache"), options.Count, options.Dimension, options.Classes);
            var manifest = set.LoadManifest();
            var fitted = manifest.Items.Count(i => i.Split is "train" or "validation");

            cancel.ThrowIfCancellationRequested();
            var (perImage, backboneName) = ForwardSeconds(options, root, log);
            var rows = new List<HeadBenchRow>();
            var store = FeatureStore.Open(Path.Combine(root, "cache"));
            foreach (var head in options.Heads)
            {
                var runs = head == HeadKind.Mlp ? new[] { ("mlp", true), ("mlp-100", false) } : [(head.ToName(), true)];
                foreach (var (label, earlyStopping) in runs)
                {
                    cancel.ThrowIfCancellationRequested();
                    log?.Report($"training {label}");
                    var defaults = new HeadTrainingOptions();
                    var trainingOptions = defaults with
                    {
                        Head = head,
                        Mlp = defaults.Mlp with { EarlyStopping = earlyStopping },
                    };
                    // One line per epoch (per grid point for linear): a long bench on a loaded machine shows signs of life.
                    var epochs = log is null ? null : new EpochLines(label, log);
                    var result = HeadTraining.Train(store, null, trainingOptions, Path.Combine(root, "runs", label), epochs, cancel);
                    var passes = result.History.Count;
                    // A grid point or a boosting fit is one pass over the data, as an epoch is.
                    rows.Add(new HeadBenchRow(label, passes, Math.Round(result.Config.TrainingSeconds, 2),
                        Math.Round(perImage * fitted * passes, 1), Math.Round(result.Config.ValidationAccuracy, 4)));
                }
            }
            return new HeadsBenchResult(MachineInfo.Describe(),
                $"{options.Count}×{options.Dimension} float32 features, {options.Classes} classes, train {manifest.Items.Count(i => i.Split == "train")} / validation {manifest.Items.Count(i => i.Split == "validation")}",
                perImage, backboneName, Math.Round(perImage * manifest.Items.Count, 1), rows);
        }
        finally
        {
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }

    /// <summary>Deletes temporary folders of earlier runs whose process no longer exists (killed with no chance to
    /// clean up).</summary>
    private static void DeleteOrphans(IProgress<string>? log)
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), TempPrefix + "*"))
        {
            var rest = Path.GetFileName(dir)[TempPrefix.Length..];
            var dash = rest.IndexOf('-');
            if (dash < 0 || !int.TryParse(rest[..dash], out var pid) || IsAlive(pid)) continue;
            try
            {
                Directory.Delete(dir, true);
                log?.Report($"removed {dir}, left by an interrupted run");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else's or in use: leave it.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Epoch reports as log lines, synchronously (in order).</summary>
    private sealed class EpochLines(string label, IProgress<string> log) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress p) =>
            log.Report(p.Metrics.L2 is { } l2 ? $"{label}: L2 {l2:G3} ({p.Step}/{p.MaxSteps}), val_loss {p.Metrics.ValLoss:0.0000}"
                : p.Head == HeadKind.LightGbm ? $"{label}: boosting fitted, val_loss {p.Metrics.ValLoss:0.0000}"
                : $"{label}: epoch {p.Step}/{p.MaxSteps}, val_loss {p.Metrics.ValLoss:0.0000}");
    }

    /// <summary>Seconds per image of the backbone's forward pass at batch 8 on this machine.</summary>
    private static (double Seconds, string Name) ForwardSeconds(HeadsBenchOptions options, string root, IProgress<string>? log)
    {
        var descriptor = options.Backbone;
        if (descriptor is null)
        {
            log?.Report("building a random-init NASNetLarge to time its forward pass");
            var import = KerasImporter.Import(new KerasImportOptions
            {
                Architecture = KerasArchitecture.NasNetLarge,
                RandomInit = true,
                Seed = 1,
                OutputPath = Path.Combine(root, "nasnet_large.onnx"),
            });
            descriptor = BackboneDescriptor.Load(import.DescriptorPath!);
        }
        const int batch = 8;
        using var backbone = OnnxBackbone.Load(descriptor, new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = batch });
        var rng = new Random(0);
        for (var i = 0; i < backbone.InputBuffer.Length; i++) backbone.InputBuffer[i] = (float)(rng.NextDouble() * 2 - 1);
        log?.Report($"timing {descriptor.Name} forward over {options.ForwardImages} images");
        backbone.Run(1); // warm-up
        var batches = Math.Max(1, options.ForwardImages / batch);
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < batches; b++) backbone.Run(batch);
        return (clock.Elapsed.TotalSeconds / (batches * batch), descriptor.Name);
    }
}

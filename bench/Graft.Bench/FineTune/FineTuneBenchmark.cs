using System.Diagnostics;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FineTuner.Heads;
using Graft.FineTuner.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;

namespace Graft.Bench.FineTune;

/// <summary>
/// <c>graft bench finetune</c>: what the boundary cache saves per epoch, and TorchSharp's training-step throughput on
/// the same model and batch that <c>finetune_pytorch.py</c> measures for PyTorch.
/// </summary>
public static class FineTuneBenchmark
{
    public static FineTuneBenchResult Run(BackboneDescriptor backbone, IReadOnlyList<FineTuneItem> items, FineTuneBenchOptions options,
        IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        var train = items.Where(i => i.Split == Split.Train).Take(options.Images).ToList();
        if (train.Count < options.BatchSize) throw new GraftException($"The benchmark needs at least {options.BatchSize} training images; the data has {train.Count}.");
        var classes = Math.Max(2, items.Max(i => i.Label) + 1);
        var cut = backbone.FineTune?.DefaultCut() ?? (null, FeatureCache.Backbones.BackboneUnit.Layer, null);
        var fine = new FineTuneOptions
        {
            // Explicit flags win; otherwise the descriptor's customary cut (in layers, blocks or stages).
            TrainFrom = options.TrainTop is null ? options.TrainFrom ?? cut.From : null,
            TrainTop = options.TrainTop ?? (options.TrainFrom is null ? cut.Top : null),
            TrainUnit = options.TrainTop is null && options.TrainFrom is null ? cut.Unit : FeatureCache.Backbones.BackboneUnit.Layer,
            BatchSize = options.BatchSize,
            Device = options.Device,
            Threads = options.Threads,
            Seed = options.Seed,
            LearningRate = 1e-4,
            Augment = AugmentPolicy.None, // both modes read the same tensors, so the epoch times compare like with like
        };
        torch.manual_seed(options.Seed);
        using var session = FineTuneSession.Create(backbone, RandomHead(backbone.Output.Dimension, classes, options.Seed), fine);
        foreach (var line in session.Log) progress?.Report(line);
        var cacheRoot = Path.Combine(Path.GetTempPath(), $"graft-bench-boundary-{Guid.NewGuid():N}");
        try
        {
            var cache = BoundaryCache.Open(cacheRoot, session.BoundaryKey());
            var clock = Stopwatch.StartNew();
            BoundaryFiller.Fill(session, cache, train, options.BatchSize, null, cancel);
            var fill = clock.Elapsed.TotalSeconds;
            progress?.Report($"boundary cache filled: {train.Count} images in {fill:F1} s ({cache.FloatsPerImage:N0} floats each)");
            // One augmented view (the default policy) of the same images: random crop + resize in the decode path, then
            // the frozen prefix; --augment-views K costs K of these once.
            var augmentation = new FineTuneOptions().Augmentation!;
            var view = BoundaryCache.Open(cacheRoot, session.BoundaryKey() with { View = augmentation.CanonicalText() });
            var viewFill = Time(() => BoundaryFiller.Fill(session, view, train, options.BatchSize, null, cancel, augmentation,
                item => EpochLoop.ViewSeed(options.Seed, 0, item)));
            progress?.Report($"one augmented view filled: {train.Count} images in {viewFill:F1} s");

            using var optimizer = ParameterOptimizer.Create(OptimizerKind.Adam, session.ParameterGroups(fine), 0);
            var cachedLoop = new EpochLoop(session, new BatchFeeder(session, cache), optimizer, fine);
            var fullLoop = new EpochLoop(session, new BatchFeeder(session, null), optimizer, fine);
            // Warm-up (first-call allocations), then the two modes alternate, epoch by epoch; the fastest epoch of each
            // counts, so load from other processes on a shared machine hits both modes alike and inflates neither.
            cachedLoop.Train(train.Take(options.BatchSize).ToList(), 0, _ => 1e-4, null, cancel);
            fullLoop.Train(train.Take(options.BatchSize).ToList(), 0, _ => 1e-4, null, cancel);
            double cached = double.MaxValue, full = double.MaxValue, cachedCpu = double.MaxValue, fullCpu = double.MaxValue;
            for (var e = 1; e <= options.Epochs; e++)
            {
                var (wall, cpu) = Measure(() => cachedLoop.Train(train, e, _ => 1e-4, null, cancel));
                (cached, cachedCpu) = (Math.Min(cached, wall), Math.Min(cachedCpu, cpu));
                (wall, cpu) = Measure(() => fullLoop.Train(train, e, _ => 1e-4, null, cancel));
                (full, fullCpu) = (Math.Min(full, wall), Math.Min(fullCpu, cpu));
                progress?.Report($"round {e}: epoch with the boundary cache {cached:F2} s, with a full forward {full:F2} s (fastest so far)");
            }

            var (fullStep, topStep) = StepThroughput(session, optimizer, options, classes);
            return new FineTuneBenchResult
            {
                Plan = session.Plan.Describe(),
                Device = session.Log[0],
                Images = train.Count,
                BatchSize = options.BatchSize,
                CacheFillSeconds = fill,
                AugmentedViewFillSeconds = viewFill,
                CachedEpochSeconds = cached,
                FullEpochSeconds = full,
                CachedEpochCpuSeconds = cachedCpu,
                FullEpochCpuSeconds = fullCpu,
                FullStepImagesPerSecond = fullStep,
                TopStepImagesPerSecond = topStep,
                Threads = torch.get_num_threads(),
            };
        }
        finally
        {
            try { Directory.Delete(cacheRoot, recursive: true); } catch (IOException) { }
        }
    }

    private static double Time(Action work) => Measure(work).Wall;

    /// <summary>Wall seconds and this process's CPU seconds (all threads) of <paramref name="work"/>. CPU time barely
    /// moves when other processes share the cores; wall time does.</summary>
    private static (double Wall, double Cpu) Measure(Action work)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        work();
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>Images/s of full train steps (images in) and top-only steps (boundary activations in), in memory; the
    /// fastest of <see cref="FineTuneBenchOptions.Steps"/> steps, as finetune_pytorch.py measures.</summary>
    private static (double Full, double Top) StepThroughput(FineTuneSession session, ParameterOptimizer optimizer, FineTuneBenchOptions options, int classes)
    {
        var model = session.Model;
        var b = options.BatchSize;
        using var images = torch.randn(session.InputShape(b), device: session.Device);
        using var labels = torch.randint(0, classes, [b], dtype: ScalarType.Int64, device: session.Device);
        List<Tensor> boundary;
        using (no_grad())
        {
            model.eval();
            boundary = session.Backbone.Run(new Dictionary<string, Tensor> { [session.Backbone.InputName] = images }, session.Boundary.Values).ToList();
        }
        try
        {
            double Measure(Func<Tensor> logits)
            {
                model.train();
                void Step()
                {
                    using var scope = NewDisposeScope();
                    var loss = F.cross_entropy(logits(), labels);
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step(1e-4);
                }
                Step();
                var fastest = double.MaxValue;
                for (var s = 0; s < options.Steps; s++) fastest = Math.Min(fastest, Time(Step));
                return b / fastest;
            }
            var full = Measure(() => model.forward(images));
            var top = Measure(() => model.ForwardFromBoundary(session.Boundary.Values, boundary));
            return (full, top);
        }
        finally
        {
            foreach (var t in boundary) t.Dispose();
        }
    }

    private static DenseHead RandomHead(int dimension, int classes, int seed)
    {
        var rng = new Random(seed);
        var limit = Math.Sqrt(6.0 / (dimension + classes));
        return new DenseHead
        {
            InputDimension = dimension,
            ClassNames = Enumerable.Range(0, classes).Select(i => $"class_{i}").ToArray(),
            Layers = [new DenseLayerWeights(dimension, classes,
                Enumerable.Range(0, dimension * classes).Select(_ => (float)((rng.NextDouble() * 2 - 1) * limit)).ToArray(), new float[classes], HeadActivation.None)],
        };
    }
}

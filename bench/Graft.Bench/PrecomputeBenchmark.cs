using System.Buffers;
using System.Diagnostics;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Store;

namespace Graft.Bench;

/// <summary>Options of <see cref="PrecomputeBenchmark"/>.</summary>
public sealed record PrecomputeBenchOptions
{
    public int BatchSize { get; init; } = 32;
    public int Threads { get; init; }
    public int Workers { get; init; }
    /// <summary>Images used (the first N of the dataset, in its order).</summary>
    public int Images { get; init; } = 200;
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Auto;
    /// <summary>Also time ML.NET's LoadImages → ResizeImages → ExtractPixels → DnnFeaturizeImage(ResNet18) path.</summary>
    public bool MlNet { get; init; } = true;
}

/// <summary>Figures of one <c>graft bench precompute</c> run (images per second unless named otherwise).</summary>
public sealed record PrecomputeBenchResult
{
    public required string Machine { get; init; }
    public required string Configuration { get; init; }
    public required int Images { get; init; }
    /// <summary>a: ONNX Runtime alone on ready tensors.</summary>
    public required double RawInference { get; init; }
    /// <summary>b: read + decode + preprocess alone, on all workers.</summary>
    public required double DecodePreprocess { get; init; }
    /// <summary>1 / (1/a + 1/b): a machine whose cores do both.</summary>
    public required double Bound { get; init; }
    /// <summary>The full precompute (decode, resize, inference, store with fsync).</summary>
    public required double Pipeline { get; init; }
    public double PipelineToBound => Bound > 0 ? Pipeline / Bound : 0;
    /// <summary>ML.NET's own featurizer path at batch 1; null when not run.</summary>
    public double? MlNet { get; init; }
    public double? SpeedupOverMlNet => MlNet is > 0 ? Pipeline / MlNet : null;
    /// <summary>Resident memory (MB) when the pipeline had done 25%, 50%, 75% and 100% of the images.</summary>
    public required IReadOnlyList<double> PipelineRssMb { get; init; }
    public required string Device { get; init; }
}

/// <summary>
/// Measures, on the same model, batch size and photos: raw inference (a), decode + preprocess (b), their bound, the
/// full pipeline and its ratio to the bound, and ML.NET's path with Graft's speed-up over it.
/// </summary>
public static class PrecomputeBenchmark
{
    public static PrecomputeBenchResult Run(ImageDataset dataset, BackboneDescriptor backbone, PrecomputeBenchOptions options, IProgress<string>? log = null)
    {
        var items = dataset.Items.Take(options.Images).ToList();
        if (items.Count < options.BatchSize) throw new GraftException($"The benchmark needs at least {options.BatchSize} images; the dataset has {items.Count}.");
        var subset = new ImageDataset(dataset.Root, dataset.Format, dataset.ClassNames, items, dataset.SplitSource);
        var workers = options.Workers > 0 ? options.Workers : Environment.ProcessorCount;
        var descriptorDir = backbone.DescriptorPath is null ? null : Path.GetDirectoryName(backbone.DescriptorPath);
        var meanImage = backbone.Preprocess.MeanImage is null ? null : MeanImageLoader.Load(backbone.Preprocess, descriptorDir);
        var preprocessor = new Preprocessor(backbone.Preprocess, meanImage);
        var decoder = new ImageDecoder();

        log?.Report($"b: decode + preprocess of {items.Count} images on {workers} workers");
        DecodeAll(items.Take(workers * 2).ToList(), decoder, preprocessor, workers); // warm-up
        var clock = Stopwatch.StartNew();
        var decoded = DecodeAll(items, decoder, preprocessor, workers);
        var b = decoded / clock.Elapsed.TotalSeconds;

        log?.Report($"a: raw inference, batch {options.BatchSize}");
        double a;
        string device;
        using (var session = OnnxBackbone.Load(backbone, new BackboneRunOptions { Device = options.Device, Threads = options.Threads, MaxBatchSize = options.BatchSize }))
        {
            device = session.DeviceDescription;
            var len = backbone.Preprocess.TensorLength;
            for (var k = 0; k < options.BatchSize; k++)
            {
                using var image = decoder.Decode(items[k % items.Count].Read());
                preprocessor.Apply(image, session.InputBuffer.AsSpan(k * len, len));
            }
            session.Run(options.BatchSize); // warm-up
            var batches = Math.Max(2, items.Count / options.BatchSize);
            clock.Restart();
            for (var i = 0; i < batches; i++) session.Run(options.BatchSize);
            a = batches * options.BatchSize / clock.Elapsed.TotalSeconds;
        }

        log?.Report("pipeline: graft precompute into a fresh cache");
        var cacheDir = Path.Combine(Path.GetTempPath(), $"graft-bench-{Guid.NewGuid():N}");
        var rss = new double[4];
        try
        {
            var store = FeatureStore.OpenOrCreate(cacheDir);
            var process = Process.GetCurrentProcess();
            var progress = new RssProgress(rss, process);
            var summary = FeaturePrecomputer.Run(subset, backbone, store, new PrecomputeOptions
            {
                BatchSize = options.BatchSize,
                Threads = options.Threads,
                DecodeWorkers = options.Workers,
                Device = options.Device,
            }, progress);
            progress.Final();
            var pipeline = summary.Computed / summary.Seconds;

            double? mlnet = null;
            if (options.MlNet && backbone.Id == "resnet18.cntk_in1k" && items.All(i => File.Exists(Path.Combine(RootFolder(dataset), i.Id))))
            {
                log?.Report("ML.NET: LoadImages → ResizeImages → ExtractPixels → DnnFeaturizeImage(ResNet18)");
                var paths = items.Select(i => Path.Combine(RootFolder(dataset), i.Id)).ToList();
                MlNetFeaturizer.Featurize(paths, out var seconds);
                mlnet = paths.Count / seconds;
            }

            return new PrecomputeBenchResult
            {
                Machine = MachineInfo.Describe(),
                Configuration = $"{backbone.Name}, batch {options.BatchSize}, ORT threads {(options.Threads > 0 ? options.Threads : Environment.ProcessorCount)}, decode workers {workers}, {items.Count} images from {dataset.Root}",
                Images = items.Count,
                RawInference = Math.Round(a, 2),
                DecodePreprocess = Math.Round(b, 2),
                Bound = Math.Round(1 / (1 / a + 1 / b), 2),
                Pipeline = Math.Round(pipeline, 2),
                MlNet = mlnet is null ? null : Math.Round(mlnet.Value, 2),
                PipelineRssMb = rss.Select(r => Math.Round(r, 1)).ToList(),
                Device = device,
            };
        }
        finally
        {
            try { Directory.Delete(cacheDir, true); } catch (IOException) { }
        }
    }

    private static string RootFolder(ImageDataset d) => File.Exists(d.Root) ? Path.GetDirectoryName(d.Root)! : d.Root;

    private static int DecodeAll(List<DatasetItem> items, ImageDecoder decoder, Preprocessor preprocessor, int workers)
    {
        var ok = 0;
        var len = preprocessor.Spec.TensorLength;
        Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = workers }, item =>
        {
            var buffer = ArrayPool<float>.Shared.Rent(len);
            try
            {
                using var image = decoder.Decode(item.Read());
                preprocessor.Apply(image, buffer.AsSpan(0, len));
                Interlocked.Increment(ref ok);
            }
            catch (ImageRejectedException) { }
            finally { ArrayPool<float>.Shared.Return(buffer); }
        });
        return ok;
    }

    /// <summary>Samples resident memory as the pipeline passes each quarter of its images.</summary>
    private sealed class RssProgress(double[] rss, Process process) : IProgress<PrecomputeProgress>
    {
        private int _next;

        public void Report(PrecomputeProgress p)
        {
            while (_next < 3 && p.Total > 0 && p.Done >= p.Total * (_next + 1) / 4)
            {
                process.Refresh();
                rss[_next++] = process.WorkingSet64 / 1e6;
            }
        }

        public void Final()
        {
            process.Refresh();
            for (; _next < 4; _next++) rss[_next] = process.WorkingSet64 / 1e6;
        }
    }
}

using Graft.ModelImport;
using System.Diagnostics;
using Graft.FeatureCache.Backbones;

namespace Graft.Bench.NasNet;

/// <summary>
/// <c>graft bench nasnet</c>: precompute speed of a NASNet backbone in ONNX Runtime (ready tensors, images/s at each
/// batch size) next to the FLOP bound — the graph's convolution multiply-adds against this machine's measured peak
/// GEMM rate — and the register-only FMA ceiling. Random weights unless a model is given: speed does not depend on them.
/// </summary>
public static class NasNetBenchmark
{
    public static NasNetBenchResult Run(NasNetBenchOptions options, IProgress<string>? log = null)
    {
        if (options.BatchSizes.Count == 0 || options.BatchSizes.Any(b => b < 1))
            throw new GraftException("Batch sizes must be positive, e.g. --batch-sizes 1,8,32.");
        var arch = options.Architecture;
        var macs = arch.BuildModel().MultiplyAdds;
        string? temp = null;
        var modelPath = options.ModelPath;
        try
        {
            if (modelPath is null)
            {
                temp = Directory.CreateTempSubdirectory("graft-bench-").FullName;
                modelPath = Path.Combine(temp, arch.NasNet.Name + ".onnx");
                log?.Report($"building {arch.Id} with random weights in {temp}");
                KerasImporter.Import(new KerasImportOptions { Architecture = arch, RandomInit = true, Seed = 1, OutputPath = modelPath, WriteDescriptor = false });
            }
            var descriptor = ImportedDescriptor.Create(arch, Path.GetFullPath(modelPath), ModelHash.Compute(modelPath), null) with
            {
                Model = new ModelFileSource { Path = Path.GetFullPath(modelPath) },
            };

            var speeds = new List<BatchSpeed>();
            string device;
            using (var backbone = OnnxBackbone.Load(descriptor, new BackboneRunOptions
            {
                Device = options.Device, Threads = options.Threads, MaxBatchSize = options.BatchSizes.Max(),
            }))
            {
                device = backbone.DeviceDescription;
                var rng = new Random(7);
                var input = backbone.InputBuffer;
                for (var i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 2 - 1);
                foreach (var batch in options.BatchSizes)
                {
                    log?.Report($"batch {batch}: warm-up");
                    backbone.Run(batch);
                    var clock = Stopwatch.StartNew();
                    var batches = 0;
                    while (batches < 2 || clock.Elapsed.TotalSeconds < options.SecondsPerBatchSize)
                    {
                        backbone.Run(batch);
                        batches++;
                    }
                    var seconds = clock.Elapsed.TotalSeconds;
                    speeds.Add(new BatchSpeed(batch, batches * batch / seconds, batches, seconds));
                    log?.Report($"batch {batch}: {batches * batch / seconds:0.00} images/s");
                }
            }

            log?.Report($"peak GEMM: ONNX Runtime MatMul {options.GemmSize}×{options.GemmSize}");
            var gemm = PeakCompute.OnnxRuntimeGemmGflops(options.GemmSize, options.Threads);
            log?.Report("peak FMA: vector register loop on every core");
            var fma = PeakCompute.FmaGflops(options.Threads);
            return new NasNetBenchResult
            {
                Architecture = arch.Id,
                Device = device,
                Threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount,
                Speeds = speeds,
                MultiplyAddsPerImage = macs,
                PeakGemmGflops = gemm,
                PeakFmaGflops = fma,
            };
        }
        finally
        {
            if (temp is not null) Directory.Delete(temp, recursive: true);
        }
    }
}

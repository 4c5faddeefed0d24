using Graft.FeatureCache.Onnx;
using System.Diagnostics;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Onnx.Quantization;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;
using Graft.ModelImport;

namespace Graft.Bench.Quantization;

/// <summary>Options of <see cref="QuantizeBenchmark"/>.</summary>
public sealed record QuantizeBenchOptions
{
    public int BatchSize { get; init; } = 16;
    public int Threads { get; init; }
    /// <summary>Images of the full-pipeline runs (the first N of the dataset).</summary>
    public int PipelineImages { get; init; } = 200;
    /// <summary>Calibration images (training split).</summary>
    public int CalibrationImages { get; init; } = 64;
    /// <summary>Timed rounds of raw inference per model; fp32 and int8 rounds alternate so a neighbour's load on a
    /// shared machine hits both alike.</summary>
    public int Rounds { get; init; } = 4;
    public bool NasNet { get; init; } = true;
    /// <summary>NASNetLarge batches per timed round (its full-size forward is ~24 G multiply-adds per image).</summary>
    public int NasNetBatchSize { get; init; } = 2;
    public QuantizationOptions Quantization { get; init; } = new();
}

/// <summary>fp32 vs int8 figures of one backbone, measured in the same run.</summary>
public sealed record QuantizeBenchRow
{
    public required string Backbone { get; init; }
    public required int BatchSize { get; init; }
    public required double RawFp32 { get; init; }
    public required double RawInt8 { get; init; }
    public double RawSpeedup => RawFp32 > 0 ? Math.Round(RawInt8 / RawFp32, 2) : 0;
    /// <summary>Full precompute images/s (decode, preprocess, inference, store; session load included); null when not run.</summary>
    public double? PipelineFp32 { get; init; }
    public double? PipelineInt8 { get; init; }
    public double? PipelineSpeedup => PipelineFp32 is > 0 && PipelineInt8 is { } i ? Math.Round(i / PipelineFp32.Value, 2) : null;
    public required FeatureAgreement Agreement { get; init; }
    public required double QuantizeSeconds { get; init; }
    /// <summary>The feature set ids fp32 and int8 features were stored under (they must differ); null without pipeline runs.</summary>
    public string? FeatureSets { get; init; }
    public string? Note { get; init; }
}

public sealed record QuantizeBenchResult
{
    public required string Machine { get; init; }
    public required string InstructionSet { get; init; }
    public required string Configuration { get; init; }
    public required IReadOnlyList<QuantizeBenchRow> Rows { get; init; }
}

/// <summary>
/// <c>graft bench quantize</c>: quantizes ResNet18 (and a random-init NASNetLarge) with <see cref="BackboneQuantizer"/>
/// calibrated on the dataset's training split, then measures raw inference (ready tensors) and the full precompute
/// pipeline for the float and the int8 model in one run, with the features' agreement.
/// </summary>
public static class QuantizeBenchmark
{
    public static QuantizeBenchResult Run(ImageDataset dataset, BackboneDescriptor resnet, QuantizeBenchOptions options, IProgress<string>? log = null)
    {
        var temp = Directory.CreateTempSubdirectory("graft-bench-quantize-").FullName;
        try
        {
            var rows = new List<QuantizeBenchRow> { Measure(dataset, resnet, options.BatchSize, true, options, temp, log) };
            if (options.NasNet)
            {
                var arch = KerasArchitecture.NasNetLarge;
                var path = Path.Combine(temp, "nasnet_large_random.onnx");
                log?.Report("building NASNetLarge with random weights (speed does not depend on them)");
                KerasImporter.Import(new KerasImportOptions { Architecture = arch, RandomInit = true, Seed = 1, OutputPath = path, WriteDescriptor = false });
                var nasnet = ImportedDescriptor.Create(arch, path, ModelHash.Compute(path), null) with { Model = new ModelFileSource { Path = path } };
                rows.Add(Measure(dataset, nasnet, options.NasNetBatchSize, false, options with { CalibrationImages = Math.Min(options.CalibrationImages, 8) }, temp, log)
                    with { Note = "random-init weights; raw inference only (a full NASNetLarge pipeline takes minutes on 2 cores); agreement on 8 calibration images" });
            }
            var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
            return new QuantizeBenchResult
            {
                Machine = MachineInfo.Describe(),
                InstructionSet = InstructionSet(),
                Configuration = $"ORT threads {threads}, {options.Rounds} alternating rounds, calibration {options.CalibrationImages} train images ({options.Quantization.Method.ToString().ToLowerInvariant()}, {options.Quantization.Activations.ToString().ToLowerInvariant()} activations), pipeline {options.PipelineImages} images of {dataset.Root}",
                Rows = rows,
            };
        }
        finally
        {
            try { Directory.Delete(temp, true); } catch (IOException) { }
        }
    }

    private static QuantizeBenchRow Measure(ImageDataset dataset, BackboneDescriptor fp32, int batch, bool pipeline, QuantizeBenchOptions options, string temp, IProgress<string>? log)
    {
        log?.Report($"{fp32.Name}: quantizing (calibration on {options.CalibrationImages} training images)");
        var q = BackboneQuantizer.Quantize(fp32, dataset, new BackboneQuantizeOptions
        {
            Images = options.CalibrationImages,
            Quantization = options.Quantization,
            OutputDirectory = temp,
            CheckImages = Math.Min(16, options.CalibrationImages),
            Threads = options.Threads,
        }, log);
        var int8 = BackboneDescriptor.Load(q.DescriptorPath);

        log?.Report($"{fp32.Name}: raw inference, batch {batch}, fp32 and int8 alternating");
        var file = BackboneModelFile.Open(fp32);
        var images = BackboneQuantizer.LoadCalibrationImages(file, dataset, batch, out _);
        var run = new BackboneRunOptions { Device = ExecutionDevice.Cpu, Threads = options.Threads, MaxBatchSize = batch };
        using var a = OnnxBackbone.Load(file, run);
        using var b = OnnxBackbone.Load(int8, run);
        foreach (var s in new[] { a, b })
        {
            for (var k = 0; k < batch; k++) images.Data.AsSpan(k % images.Count * images.ImageLength, images.ImageLength).CopyTo(s.InputBuffer.AsSpan(k * images.ImageLength));
            s.Run(batch); // warm-up: first-run allocations and kernel selection
        }
        double ta = 0, tb = 0;
        var perRound = Math.Max(1, 64 / batch / (pipeline ? 1 : 16)); // NASNet: 2 batches of 2 per round
        var clock = new Stopwatch();
        for (var r = 0; r < options.Rounds; r++)
        {
            clock.Restart();
            for (var i = 0; i < perRound; i++) a.Run(batch);
            ta += clock.Elapsed.TotalSeconds;
            clock.Restart();
            for (var i = 0; i < perRound; i++) b.Run(batch);
            tb += clock.Elapsed.TotalSeconds;
        }
        var imagesTimed = (double)options.Rounds * perRound * batch;
        var row = new QuantizeBenchRow
        {
            Backbone = fp32.Name,
            BatchSize = batch,
            RawFp32 = Math.Round(imagesTimed / ta, 2),
            RawInt8 = Math.Round(imagesTimed / tb, 2),
            Agreement = q.Agreement,
            QuantizeSeconds = q.Seconds,
        };
        if (!pipeline) return row;

        var items = dataset.Items.Take(options.PipelineImages).ToList();
        var subset = new ImageDataset(dataset.Root, dataset.Format, dataset.ClassNames, items, dataset.SplitSource);
        var store = FeatureStore.OpenOrCreate(Path.Combine(temp, "cache"));
        var speeds = new List<double>();
        var sets = new List<string>();
        foreach (var d in new[] { fp32, int8 })
        {
            log?.Report($"{d.Name}: full precompute pipeline on {items.Count} images");
            var summary = FeaturePrecomputer.Run(subset, d, store, new PrecomputeOptions { BatchSize = options.BatchSize, Threads = options.Threads, Device = ExecutionDevice.Cpu });
            speeds.Add(summary.Computed / summary.Seconds);
            sets.Add(summary.FeatureSet);
        }
        if (sets[0] == sets[1]) throw new InvalidOperationException("fp32 and int8 features landed in one feature set.");
        return row with { PipelineFp32 = Math.Round(speeds[0], 2), PipelineInt8 = Math.Round(speeds[1], 2), FeatureSets = $"{sets[0]} (fp32) / {sets[1]} (int8)" };
    }

    /// <summary>The x86 instruction sets that decide ONNX Runtime's int8 kernels (MLAS picks VNNI when present;
    /// AVX2 without VNNI uses VPMADDUBSW, whose 16-bit pair sums can saturate).</summary>
    public static string InstructionSet()
    {
        try
        {
            var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? [];
            var have = new[] { "avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8" }.Where(flags.Contains).ToList();
            var kernel = have.Contains("amx_int8") ? "AMX" : have.Contains("avx512_vnni") ? "AVX512-VNNI (VPDPBUSD)" : have.Contains("avx_vnni") ? "AVX-VNNI"
                : have.Contains("avx512bw") ? "AVX512BW (VPMADDUBSW)" : have.Contains("avx2") ? "AVX2 (VPMADDUBSW)" : "SSE";
            return $"{string.Join(" ", have)}; int8 GEMM kernel family ONNX Runtime's MLAS selects: {kernel}";
        }
        catch (IOException)
        {
            return "unknown (no /proc/cpuinfo)";
        }
    }
}

using Graft.FeatureCache.Onnx;
using System.Diagnostics;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Onnx.Float16;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Store;
using Graft.ModelImport;

namespace Graft.Bench.Gpu;

/// <summary>
/// <c>graft bench gpu</c>, the heavy half of scripts/gpu-check.sh: for each backbone (ResNet18, random-init
/// NASNetLarge) in fp32 and in its float16 conversion, on the device: raw inference images/s and GPU memory at each
/// batch size, the full precompute of synthetic photos, and the device's features against the CPU's for the same
/// model file. One result, written as one JSON document. Runs anywhere (<c>--device cpu</c> exercises everything
/// but the CUDA provider).
/// </summary>
public static class GpuCheck
{
    public static GpuCheckResult Run(GpuCheckOptions options, IProgress<string>? log = null)
    {
        if (options.BatchSizes.Count == 0 || options.BatchSizes.Any(b => b < 1))
            throw new GraftException("Batch sizes must be positive, e.g. --batch-sizes 1,8,32.");
        if (options.CompareImages < 1 || options.Images < options.CompareImages)
            throw new GraftException($"--images {options.Images} must be at least --compare-images {options.CompareImages} (≥ 1).");
        var unknown = options.Models.FirstOrDefault(m => m is not ("resnet18" or "nasnet_large" or "nasnet_mobile"));
        if (unknown is not null) throw new GraftException($"Unknown model '{unknown}' for the GPU check.", "Use resnet18, nasnet_large and/or nasnet_mobile.");

        if (options.Device.Kind != ExecutionDeviceKind.Cpu && !ExecutionDevice.NvidiaDriverPresent(out var why))
            throw new GraftException($"The GPU check needs an NVIDIA GPU: {why}.", "Run it where there is one, or pass --device cpu for a dry run.");
        var clock = Stopwatch.StartNew();
        var temp = options.WorkDirectory is null;
        var work = options.WorkDirectory ?? Directory.CreateTempSubdirectory("graft-gpu-check-").FullName;
        Directory.CreateDirectory(work);
        try
        {
            var dataset = LoadPhotos(options, work, log);
            var variants = new List<GpuCheckVariant>();
            string? gpu = NvidiaSmi.Describe();
            var skipped = new List<string>();
            bool OverBudget(string what)
            {
                if (options.BudgetSeconds <= 0 || clock.Elapsed.TotalSeconds < options.BudgetSeconds) return false;
                skipped.Add(what);
                log?.Report($"{what}: skipped, the {options.BudgetSeconds:0} s budget is spent");
                return true;
            }
            foreach (var model in options.Models)
            {
                if (OverBudget(model)) continue;
                var fp32 = Fp32Descriptor(model, Path.Combine(work, "models"), log);
                log?.Report($"{model}: converting to float16");
                var fp16 = Float16BackboneConverter.Convert(fp32, Path.Combine(work, "models")).Descriptor;
                var tensors = Preprocess(dataset, fp32, options.CompareImages);
                var cpu32 = Features(fp32, tensors, ExecutionDevice.Cpu, options.Threads);
                variants.Add(Measure(model, "fp32", fp32, dataset, tensors, cpu32, null, work, options, log));
                if (OverBudget(model + " fp16")) continue;
                var cpu16 = Features(fp16, tensors, ExecutionDevice.Cpu, options.Threads);
                variants.Add(Measure(model, "fp16", fp16, dataset, tensors, cpu16, FeatureAgreement.Compare(cpu32, cpu16, fp32.Output.Dimension), work, options, log));
            }
            return new GpuCheckResult
            {
                Passed = variants.Count > 0 && variants.All(v => v.Passed),
                Skipped = skipped,
                Device = options.Device.ToString(),
                Machine = MachineInfo.Describe(),
                Gpu = gpu,
                OnnxRuntime = Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString(),
                Photos = options.Data ?? "synthetic",
                Images = dataset.Items.Count,
                CompareImages = options.CompareImages,
                Variants = variants,
                Seconds = clock.Elapsed.TotalSeconds,
                UtcTime = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            };
        }
        finally
        {
            if (temp) Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The user's photos (the first N, in the dataset's order) or N synthetic ones.</summary>
    private static ImageDataset LoadPhotos(GpuCheckOptions options, string work, IProgress<string>? log)
    {
        if (options.Data is null)
        {
            log?.Report($"writing {options.Images} synthetic photos under {work}");
            return DatasetLoader.Load(SyntheticPhotos.Write(Path.Combine(work, "photos"), options.Images));
        }
        var all = DatasetLoader.Load(options.Data);
        var items = all.Items.Take(options.Images).ToList();
        if (items.Count < options.CompareImages)
            throw new GraftException($"'{options.Data}' has {items.Count} images; the check compares {options.CompareImages}.", "Lower --compare-images.");
        log?.Report($"using the first {items.Count} photos of {options.Data}");
        return new ImageDataset(all.Root, all.Format, all.ClassNames, items, all.SplitSource);
    }

    private static BackboneDescriptor Fp32Descriptor(string model, string folder, IProgress<string>? log)
    {
        if (model == "resnet18") return BackboneCatalog.Default().Resolve("resnet18");
        // Random weights: speed and device agreement do not depend on them, and no weight file has to travel.
        Directory.CreateDirectory(folder);
        var arch = KerasArchitecture.Find(model.Replace('_', '-'));
        var path = Path.Combine(folder, model + "_random.onnx");
        log?.Report($"{model}: building with random weights (seed 1)");
        KerasImporter.Import(new KerasImportOptions { Architecture = arch, RandomInit = true, Seed = 1, OutputPath = path, WriteDescriptor = false });
        return ImportedDescriptor.Create(arch, path, ModelHash.Compute(path), 1) with
        {
            Name = model + "_random",
            Model = new ModelFileSource { Path = path },
            DescriptorPath = Path.Combine(folder, model + "_random.json"),
        };
    }

    /// <summary>The first <paramref name="count"/> photos decoded and preprocessed for <paramref name="backbone"/>.</summary>
    private static float[] Preprocess(ImageDataset dataset, BackboneDescriptor backbone, int count)
    {
        var decoder = new ImageDecoder();
        var preprocessor = new Preprocessor(backbone.Preprocess, BackboneModelFile.Open(backbone).LoadMeanImage());
        var len = backbone.Preprocess.TensorLength;
        var tensors = new float[count * len];
        for (var i = 0; i < count; i++)
        {
            using var image = decoder.Decode(dataset.Items[i].Read());
            preprocessor.Apply(image, tensors.AsSpan(i * len, len));
        }
        return tensors;
    }

    private static float[] Features(BackboneDescriptor backbone, float[] tensors, ExecutionDevice device, int threads)
    {
        const int chunk = 16; // bounded activation memory however many images are compared
        var count = tensors.Length / backbone.Preprocess.TensorLength;
        using var session = OnnxBackbone.Load(backbone, new BackboneRunOptions { Device = device, Threads = threads, MaxBatchSize = Math.Min(chunk, count) });
        return Features(session, tensors);
    }

    /// <summary>Features of every tensor in <paramref name="tensors"/>, run in batches of the session's size.</summary>
    private static float[] Features(OnnxBackbone session, float[] tensors)
    {
        var len = session.Descriptor.Preprocess.TensorLength;
        var count = tensors.Length / len;
        var features = new float[count * session.Dimension];
        for (var start = 0; start < count; start += session.MaxBatchSize)
        {
            var n = Math.Min(session.MaxBatchSize, count - start);
            tensors.AsSpan(start * len, n * len).CopyTo(session.InputBuffer);
            session.Run(n);
            session.OutputBuffer.AsSpan(0, n * session.Dimension).CopyTo(features.AsSpan(start * session.Dimension));
        }
        return features;
    }

    private static GpuCheckVariant Measure(string model, string precision, BackboneDescriptor backbone, ImageDataset dataset,
        float[] tensors, float[] cpuFeatures, FeatureAgreement? versusFp32, string work, GpuCheckOptions options, IProgress<string>? log)
    {
        var name = $"{model} {precision}";
        var file = BackboneModelFile.Open(backbone);
        FeatureAgreement? agreement = null;
        var speeds = new List<GpuBatchSpeed>();
        var len = backbone.Preprocess.TensorLength;
        var deviceLine = "";
        foreach (var batch in options.BatchSizes)
        {
            // A fresh session per batch size: ONNX Runtime's CUDA arena keeps what it grew to, so a shared session
            // would report the largest batch's memory for every batch.
            var before = options.Device.Kind == ExecutionDeviceKind.Cpu ? null : NvidiaSmi.UsedMegabytes(options.Device.CudaDeviceId);
            using var sampler = new GpuMemorySampler(options.Device.CudaDeviceId);
            using var session = OnnxBackbone.Load(file, new BackboneRunOptions { Device = options.Device, Threads = options.Threads, MaxBatchSize = batch });
            deviceLine = session.DeviceDescription;
            if (agreement is null)
            {
                // In the first session, so that a model's CUDA setup (cuDNN's algorithm search) is paid once less.
                log?.Report($"{name}: device features against the CPU's ({options.CompareImages} images)");
                agreement = FeatureAgreement.Compare(cpuFeatures, Features(session, tensors), backbone.Output.Dimension);
            }
            for (var k = 0; k < batch; k++) // the compare images, repeated
                tensors.AsSpan(k % options.CompareImages * len, len).CopyTo(session.InputBuffer.AsSpan(k * len, len));
            session.Run(batch); // warm-up: CUDA graph capture, cuDNN algorithm search, arena growth
            var clock = Stopwatch.StartNew();
            var batches = 0;
            while (batches < 2 || clock.Elapsed.TotalSeconds < options.SecondsPerBatchSize)
            {
                session.Run(batch);
                batches++;
            }
            var seconds = clock.Elapsed.TotalSeconds;
            var peak = sampler.PeakMegabytes ?? (options.Device.Kind == ExecutionDeviceKind.Cpu ? null : NvidiaSmi.UsedMegabytes(options.Device.CudaDeviceId));
            speeds.Add(new GpuBatchSpeed(batch, batches * batch / seconds, batches, seconds, peak, peak - before));
            log?.Report($"{name}: batch {batch}: {batches * batch / seconds:0.0} images/s{(peak is { } p ? $", GPU memory {p:0} MiB" : "")}");
        }

        var passed = precision == "fp32"
            ? agreement!.Within(options.Fp32RelativeTolerance, options.Fp32MinCosine)
            : agreement!.Within(options.Fp16RelativeTolerance, options.Fp16MinCosine);
        var pipelineBatch = options.BatchSizes.Max();
        var store = FeatureStore.OpenOrCreate(Path.Combine(work, "cache"));
        log?.Report($"{name}: full precompute of {dataset.Items.Count} photos at batch {pipelineBatch}");
        var summary = FeaturePrecomputer.Run(dataset, backbone, store, new PrecomputeOptions
        {
            BatchSize = pipelineBatch, Device = options.Device, Threads = options.Threads, FlushToDisk = false,
        });
        if (summary.Computed != dataset.Items.Count)
            throw new InvalidOperationException($"{name}: the precompute computed {summary.Computed} of {dataset.Items.Count} photos (a reused or skipped image means a shared feature set).");
        log?.Report($"{name}: pipeline {summary.ImagesPerSecond:0.0} images/s; device vs CPU max rel |Δ| {agreement!.MaxRelativeDelta:E2}, min cosine {agreement.MinCosine:F6} {(passed ? "ok" : "OUT OF TOLERANCE")}");
        return new GpuCheckVariant
        {
            Model = model,
            Precision = precision,
            Backbone = backbone.Name,
            ModelSha256 = file.Sha256,
            ModelMegabytes = new FileInfo(file.Path).Length / 1e6,
            DeviceLine = deviceLine,
            Batches = speeds,
            PipelineImagesPerSecond = summary.ImagesPerSecond,
            PipelineBatchSize = pipelineBatch,
            DeviceVsCpu = agreement!,
            Passed = passed,
            VersusFp32 = versusFp32,
        };
    }
}

using Graft.FeatureCache.Onnx;
namespace Graft.Bench.Gpu;

/// <summary>The one JSON summary <c>graft bench gpu</c> writes (schema "graft-gpu-check/1").</summary>
public sealed record GpuCheckResult
{
    public string Schema { get; init; } = "graft-gpu-check/1";
    /// <summary>True when every variant's device features agree with the CPU's within tolerance.</summary>
    public required bool Passed { get; init; }
    public required string Device { get; init; }
    public required string Machine { get; init; }
    /// <summary>nvidia-smi's GPU name, driver, memory and driver CUDA version; null on a machine without it.</summary>
    public string? Gpu { get; init; }
    public required string OnnxRuntime { get; init; }
    /// <summary>What scripts/gpu-check.sh found before the run (driver, CUDA/cuDNN libraries, unresolved provider
    /// dependencies), from GRAFT_GPU_CHECK_FOUND; null when run directly.</summary>
    public string? Found { get; init; } = Environment.GetEnvironmentVariable("GRAFT_GPU_CHECK_FOUND");
    /// <summary>"synthetic" or the dataset's path.</summary>
    public required string Photos { get; init; }
    public required int Images { get; init; }
    public required int CompareImages { get; init; }
    public required IReadOnlyList<GpuCheckVariant> Variants { get; init; }
    /// <summary>Models or precisions not measured because the time budget was spent (the check then still writes
    /// what it has; a partial result is not a pass unless every measured variant passed).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
    public required double Seconds { get; init; }
    public required string UtcTime { get; init; }
}

/// <summary>One model in one precision.</summary>
public sealed record GpuCheckVariant
{
    public required string Model { get; init; }
    /// <summary>fp32 or fp16.</summary>
    public required string Precision { get; init; }
    public required string Backbone { get; init; }
    public required string ModelSha256 { get; init; }
    public required double ModelMegabytes { get; init; }
    /// <summary>The execution provider line of the device session.</summary>
    public required string DeviceLine { get; init; }
    public required IReadOnlyList<GpuBatchSpeed> Batches { get; init; }
    /// <summary>Full precompute (decode, preprocess, inference, store) of the synthetic photos on the device.</summary>
    public required double PipelineImagesPerSecond { get; init; }
    public required int PipelineBatchSize { get; init; }
    /// <summary>Device features against the CPU's for this same model file.</summary>
    public required FeatureAgreement DeviceVsCpu { get; init; }
    public required bool Passed { get; init; }
    /// <summary>fp16 only: this model's CPU features against the fp32 model's CPU features (the precision cost).</summary>
    public FeatureAgreement? VersusFp32 { get; init; }
}

/// <summary>Raw inference on ready tensors at one batch size, in a fresh session: speed and peak GPU memory in use
/// (MiB, whole device, nvidia-smi; null without it) and the growth over the reading before the session opened.</summary>
public sealed record GpuBatchSpeed(int BatchSize, double ImagesPerSecond, int Batches, double Seconds, double? PeakGpuMemoryMb, double? SessionGpuMemoryMb);

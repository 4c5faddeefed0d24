using Graft.FeatureCache.Backbones;

namespace Graft.Bench.Gpu;

/// <summary>Options of <see cref="GpuCheck"/> (<c>graft bench gpu</c>).</summary>
public sealed record GpuCheckOptions
{
    /// <summary>Where the check runs; its features are compared with the CPU's. Default cuda:0.</summary>
    public ExecutionDevice Device { get; init; } = new(ExecutionDeviceKind.Cuda);

    /// <summary>Backbones: "resnet18" (the packaged weights), "nasnet_large" / "nasnet_mobile" (random-init, built here).</summary>
    public IReadOnlyList<string> Models { get; init; } = ["resnet18", "nasnet_large"];

    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 8, 32];

    /// <summary>A dataset to use instead of synthetic photos (its first <see cref="Images"/> images); null: synthetic.</summary>
    public string? Data { get; init; }

    /// <summary>Synthetic JPEGs precomputed through the full pipeline per model and precision.</summary>
    public int Images { get; init; } = 128;

    /// <summary>Images whose features are compared between the device and the CPU.</summary>
    public int CompareImages { get; init; } = 8;

    /// <summary>Timed seconds per batch size (at least two batches each).</summary>
    public double SecondsPerBatchSize { get; init; } = 3;

    /// <summary>Seconds after which no further model or precision is started (0: no limit), so an unattended run ends
    /// with a summary of what it measured instead of being killed.</summary>
    public double BudgetSeconds { get; init; }

    /// <summary>CPU threads for the CPU reference (0: all cores).</summary>
    public int Threads { get; init; }

    /// <summary>Working folder (synthetic photos, converted models, caches); a temporary one, removed, when null.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Tolerances: device vs CPU features of the same model (max |Δ| relative to the largest feature, lowest
    /// cosine). fp32 allows for TF32 convolutions on Ampere and later, which ONNX Runtime's CUDA EP may use.</summary>
    public double Fp32RelativeTolerance { get; init; } = 1e-2;
    public double Fp32MinCosine { get; init; } = 0.9999;
    public double Fp16RelativeTolerance { get; init; } = 5e-2;
    public double Fp16MinCosine { get; init; } = 0.999;
}

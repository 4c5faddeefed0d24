namespace Graft.FeatureCache.Backbones;

/// <summary>How to run a backbone: device, threads and the largest batch.</summary>
public sealed record BackboneRunOptions
{
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Auto;

    /// <summary>ONNX Runtime intra-op threads; 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Largest batch passed to <see cref="OnnxBackbone.Run"/>; buffers are sized for it once.</summary>
    public int MaxBatchSize { get; init; } = 32;

    /// <summary>Let idle ONNX Runtime threads spin. Off by default: spinning steals the cores the decode workers need
    /// when decoding overlaps inference (measured in docs/benchmarks.md).</summary>
    public bool AllowSpinning { get; init; }
}

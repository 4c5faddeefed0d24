using Graft.ModelImport;
using Graft.FeatureCache.Backbones;

namespace Graft.Bench.NasNet;

/// <summary>Options of <see cref="NasNetBenchmark.Run"/>.</summary>
public sealed record NasNetBenchOptions
{
    public KerasArchitecture Architecture { get; init; } = KerasArchitecture.NasNetLarge;

    /// <summary>An ONNX model of <see cref="Architecture"/> to time; null builds a random-init one in a temporary
    /// folder (weights do not change the speed).</summary>
    public string? ModelPath { get; init; }

    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 8, 32];

    /// <summary>Minimum timed seconds per batch size (after one warm-up batch); at least two batches are timed.</summary>
    public double SecondsPerBatchSize { get; init; } = 10;

    /// <summary>ONNX Runtime intra-op threads; 0 = one per core.</summary>
    public int Threads { get; init; }

    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    /// <summary>Side of the square matrices of the peak GEMM measurement.</summary>
    public int GemmSize { get; init; } = 2048;
}

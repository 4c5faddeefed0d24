using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Store;

namespace Graft.FeatureCache.Precompute;

/// <summary>Options of a precompute run. Immutable; checked by <see cref="FeaturePrecomputer"/>.</summary>
public sealed record PrecomputeOptions
{
    /// <summary>Images per inference call (and per flushed block on disk).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>ONNX Runtime intra-op threads; 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Parallel decode + preprocess workers; 0 = one per core. They overlap with inference.</summary>
    public int DecodeWorkers { get; init; }

    public ExecutionDevice Device { get; init; } = ExecutionDevice.Auto;

    public ShardSpec Shard { get; init; } = ShardSpec.All;

    public FeatureDType DType { get; init; } = FeatureDType.Float32;

    public DecoderLimits DecoderLimits { get; init; } = DecoderLimits.Default;

    /// <summary>fsync each block (default). Off only for benchmarks on throwaway caches.</summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>Lines worth telling the user while the run goes (waiting for another precompute of the same shard).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Test seam: opens segment files (e.g. a stream that fails like a full disk).</summary>
    internal Func<string, FileStream>? OpenSegment { get; init; }
}

using Graft.ModelImport;
namespace Graft.Bench.NasNet;

/// <summary>Figures of <see cref="NasNetBenchmark.Run"/>.</summary>
public sealed record NasNetBenchResult
{
    public required string Architecture { get; init; }

    public required string Device { get; init; }

    public required int Threads { get; init; }

    public required IReadOnlyList<BatchSpeed> Speeds { get; init; }

    /// <summary>Convolution multiply-adds per image, counted on the graph (Keras quotes 23.8 G for NASNetLarge).</summary>
    public required long MultiplyAddsPerImage { get; init; }

    /// <summary>ONNX Runtime's float32 MatMul rate on this machine (GFLOP/s, 2 FLOP per multiply-add): the practical
    /// peak of GEMM-shaped work.</summary>
    public required double PeakGemmGflops { get; init; }

    /// <summary>Register-only fused multiply-add loop on every core (GFLOP/s): the arithmetic ceiling.</summary>
    public required double PeakFmaGflops { get; init; }

    /// <summary>Images/s if every multiply-add ran at <see cref="PeakGemmGflops"/>.</summary>
    public double GemmBoundImagesPerSecond => PeakGemmGflops * 1e9 / (2.0 * MultiplyAddsPerImage);

    /// <summary>Best measured images/s over the FLOP bound.</summary>
    public double FractionOfGemmBound => Speeds.Count == 0 ? 0 : Speeds.Max(s => s.ImagesPerSecond) / GemmBoundImagesPerSecond;
}

using Graft.ModelImport;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using Google.Protobuf;
using Graft.ModelImport.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using Graft.FeatureCache.Onnx;

namespace Graft.Bench.NasNet;

/// <summary>This machine's float32 compute ceilings, measured: ONNX Runtime's MatMul rate and a register-only FMA loop.</summary>
public static class PeakCompute
{
    /// <summary>GFLOP/s of ONNX Runtime multiplying two n×n float32 matrices (2·n³ FLOP per product), best of the
    /// timed runs after a warm-up, on <paramref name="threads"/> intra-op threads (0 = one per core).</summary>
    public static double OnnxRuntimeGemmGflops(int n = 2048, int threads = 0, double seconds = 2)
    {
        var graph = new GraphProto { Name = "gemm" };
        graph.Input.Add(OnnxProto.FloatValue("a", n, n));
        var b = new float[(long)n * n];
        var rng = new Random(1);
        for (var i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble();
        graph.Initializer.Add(OnnxProto.FloatTensor("b", [n, n], b));
        var node = new NodeProto { OpType = "MatMul", Name = "c" };
        node.Input.Add("a");
        node.Input.Add("b");
        node.Output.Add("c");
        graph.Node.Add(node);
        graph.Output.Add(OnnxProto.FloatValue("c", n, n));
        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });

        using var options = new SessionOptions { IntraOpNumThreads = threads };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var a = new DenseTensor<float>(b.AsMemory(), [n, n]);
        var feeds = new[] { NamedOnnxValue.CreateFromTensor("a", a) };
        using (session.Run(feeds)) { }
        var best = double.MaxValue;
        var clock = Stopwatch.StartNew();
        for (var runs = 0; runs < 3 || clock.Elapsed.TotalSeconds < seconds; runs++)
        {
            var t = Stopwatch.StartNew();
            using (session.Run(feeds)) { }
            best = Math.Min(best, t.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>GFLOP/s of fused multiply-adds on independent vector registers, one loop per core: what the cores can
    /// do when nothing waits for memory (Vector512 where accelerated, else Vector256).</summary>
    public static double FmaGflops(int threads = 0, double seconds = 1)
    {
        threads = threads > 0 ? threads : Environment.ProcessorCount;
        const long iterations = 20_000_000;
        var lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;
        Parallel.For(0, threads, _ => Loop(iterations / 20)); // warm-up and JIT
        var best = double.MaxValue;
        var clock = Stopwatch.StartNew();
        var sink = 0f;
        while (clock.Elapsed.TotalSeconds < seconds || best == double.MaxValue)
        {
            var t = Stopwatch.StartNew();
            var sums = new float[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => sums[i] = Loop(iterations));
            best = Math.Min(best, t.Elapsed.TotalSeconds);
            sink += sums.Sum();
        }
        GC.KeepAlive(sink);
        // 8 accumulators × lanes × 2 FLOP per iteration, per thread.
        return threads * iterations * 8.0 * lanes * 2 / best / 1e9;
    }

    private static float Loop(long iterations) =>
        Vector512.IsHardwareAccelerated ? Loop512(iterations) : Loop256(iterations);

    private static float Loop512(long iterations)
    {
        var m = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }

    private static float Loop256(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }
}

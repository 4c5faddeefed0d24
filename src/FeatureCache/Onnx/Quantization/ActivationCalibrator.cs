using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>
/// Measures the ranges of activation tensors by running the float model in ONNX Runtime over calibration images, with
/// every tensor of interest added as a graph output. Min-max takes one pass; percentile and entropy take a second pass
/// that fills a fixed histogram per tensor over the range the first pass found, so the result does not depend on the
/// order or batching of the images.
/// </summary>
public static class ActivationCalibrator
{
    public static IReadOnlyDictionary<string, TensorRange> Calibrate(ModelProto prepared, IReadOnlyList<string> tensors,
        CalibrationImages images, QuantizationOptions options, int threads = 0, IProgress<string>? log = null)
    {
        if (images.Count < 1) throw new GraftException("Calibration needs at least one image.");
        var model = prepared.Clone();
        var outputs = model.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var t in tensors.Where(t => !outputs.Contains(t)))
            model.Graph.Output.Add(new ValueInfoProto
            {
                Name = t,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        using var so = SessionOptionsFor(threads);
        using var session = OrtSessionFactory.Open(model.ToByteArray(), so, "calibration model");
        var batch = BatchSize(images);
        var names = tensors.ToArray();

        var min = names.Select(_ => float.PositiveInfinity).ToArray();
        var max = names.Select(_ => float.NegativeInfinity).ToArray();
        log?.Report($"calibration pass 1 (min/max of {names.Length} tensors) over {images.Count} images");
        ForEachBatch(session, images, names, batch, (k, values) =>
        {
            if (values.Length == 0) return;
            min[k] = Math.Min(min[k], System.Numerics.Tensors.TensorPrimitives.Min(values));
            max[k] = Math.Max(max[k], System.Numerics.Tensors.TensorPrimitives.Max(values));
        });
        var result = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        for (var k = 0; k < names.Length; k++)
            if (float.IsInfinity(min[k]) || float.IsNaN(min[k]) || float.IsNaN(max[k]))
                throw new GraftException($"Calibration found no finite values in tensor '{names[k]}'.", "Check the model and the images.");
        if (options.Method == CalibrationMethod.MinMax)
        {
            for (var k = 0; k < names.Length; k++) result[names[k]] = new TensorRange(min[k], max[k]);
            return result;
        }

        // Pass 2: a histogram per tensor — over [min, max] for percentiles, over [0, max|x|] of |x| for entropy.
        var bins = options.HistogramBins;
        var hist = names.Select(_ => new long[bins]).ToArray();
        var entropy = options.Method == CalibrationMethod.Entropy;
        var lo = names.Select((_, k) => entropy ? 0f : min[k]).ToArray();
        var hi = names.Select((_, k) => entropy ? Math.Max(-min[k], max[k]) : max[k]).ToArray();
        log?.Report($"calibration pass 2 ({options.Method.ToString().ToLowerInvariant()} histograms)");
        ForEachBatch(session, images, names, batch, (k, values) =>
        {
            if (!(hi[k] > lo[k])) return;
            var h = hist[k];
            var width = (hi[k] - lo[k]) / bins;
            var inv = 1.0 / width;
            foreach (var raw in values)
            {
                var v = entropy ? Math.Abs(raw) : raw;
                var i = (int)((v - lo[k]) * inv);
                h[Math.Clamp(i, 0, bins - 1)]++;
            }
        });
        for (var k = 0; k < names.Length; k++)
        {
            if (!(hi[k] > lo[k]))
            {
                result[names[k]] = new TensorRange(min[k], max[k]);
                continue;
            }
            var width = (hi[k] - lo[k]) / bins;
            if (entropy)
            {
                var levels = min[k] >= 0 ? 255 : 128; // a non-negative tensor gets every level of the 8-bit range
                // After a Relu most values sit exactly at 0; that spike would dominate KL and push the threshold down,
                // so it is flattened to its neighbour first (as NVIDIA's pytorch-quantization does).
                if (min[k] >= 0 && hist[k].Length > 1) hist[k][0] = hist[k][1];
                var threshold = (float)(EntropyThreshold(hist[k], levels) * width);
                result[names[k]] = new TensorRange(Math.Max(min[k], -threshold), Math.Min(max[k], threshold));
            }
            else
            {
                var (low, high) = PercentileBins(hist[k], options.Percentile);
                var rmin = min[k] >= 0 ? min[k] : lo[k] + low * width;
                result[names[k]] = new TensorRange(rmin, Math.Min(max[k], lo[k] + (high + 1) * width));
            }
        }
        return result;
    }

    /// <summary>Bins holding the (100−p)-th and p-th percentiles.</summary>
    internal static (int Low, int High) PercentileBins(long[] hist, double percentile)
    {
        double total = hist.Sum();
        var tail = total * (1 - percentile / 100);
        double seen = 0;
        var low = 0;
        for (; low < hist.Length - 1; low++)
        {
            seen += hist[low];
            if (seen > tail) break;
        }
        seen = 0;
        var high = hist.Length - 1;
        for (; high > 0; high--)
        {
            seen += hist[high];
            if (seen > tail) break;
        }
        return (low, Math.Max(low, high));
    }

    /// <summary>TensorRT's entropy calibration: the number of bins (from <paramref name="levels"/> up) whose clipped
    /// distribution P and its <paramref name="levels"/>-level quantization Q have the least KL(P‖Q).</summary>
    internal static double EntropyThreshold(long[] hist, int levels)
    {
        var bins = hist.Length;
        if (bins <= levels) return bins;
        var best = bins;
        var bestKl = double.PositiveInfinity;
        var p = new double[bins];
        var q = new double[bins];
        var step = Math.Max(1, (bins - levels) / 512); // ~512 candidate thresholds
        for (var i = levels; i <= bins; i += step)
        {
            double beyond = 0;
            for (var j = i; j < bins; j++) beyond += hist[j];
            for (var j = 0; j < i; j++) p[j] = hist[j];
            p[i - 1] += beyond; // clipped values land in the last kept bin
            // Q: merge the i bins into `levels` groups, spread each group's count over its non-empty bins.
            for (var g = 0; g < levels; g++)
            {
                int start = (int)((long)g * i / levels), end = (int)((long)(g + 1) * i / levels);
                double sum = 0;
                var nonEmpty = 0;
                for (var j = start; j < end; j++)
                {
                    sum += hist[j];
                    if (hist[j] != 0) nonEmpty++;
                }
                for (var j = start; j < end; j++) q[j] = hist[j] != 0 ? sum / nonEmpty : 0;
            }
            double pSum = 0, qSum = 0;
            for (var j = 0; j < i; j++) { pSum += p[j]; qSum += q[j]; }
            if (pSum <= 0 || qSum <= 0) continue;
            double kl = 0;
            for (var j = 0; j < i; j++)
            {
                if (p[j] <= 0) continue;
                var pj = p[j] / pSum;
                var qj = q[j] > 0 ? q[j] / qSum : 1e-12; // the clipped-mass bin can be empty in Q
                kl += pj * Math.Log(pj / qj);
            }
            if (kl < bestKl)
            {
                bestKl = kl;
                best = i;
            }
        }
        return best;
    }

    internal static SessionOptions SessionOptionsFor(int threads)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return so;
    }

    /// <summary>Images per session run: about 8 at 224×224, fewer for larger inputs (every tensor of the graph is an
    /// output, so a run holds all activations of the batch at once).</summary>
    internal static int BatchSize(CalibrationImages images) => Math.Max(1, (int)(8L * 3 * 224 * 224 / images.ImageLength));

    private static void ForEachBatch(InferenceSession session, CalibrationImages images, string[] names, int batch, Action<int, ReadOnlySpan<float>> visit)
    {
        using var runOptions = new RunOptions();
        for (var start = 0; start < images.Count; start += batch)
        {
            var n = Math.Min(batch, images.Count - start);
            var (data, shape) = images.Batch(start, n);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data, shape);
            using var results = session.Run(runOptions, [images.InputName], [input], names);
            for (var k = 0; k < names.Length; k++) visit(k, results[k].GetTensorDataAsSpan<float>());
        }
    }
}

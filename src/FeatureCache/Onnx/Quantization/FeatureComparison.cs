using Graft.FeatureCache.Backbones;
using Google.Protobuf;
using Onnx;

namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>How close two models' pooled features are on the same images.</summary>
/// <param name="MeanCosine">Mean over images of the cosine similarity.</param>
/// <param name="MinCosine">The worst image's cosine similarity.</param>
/// <param name="RelativeL2">Mean over images of ‖a − b‖ / ‖a‖.</param>
public sealed record FeatureAgreement(double MeanCosine, double MinCosine, double RelativeL2);

/// <summary>Runs an in-memory ONNX model over <see cref="CalibrationImages"/> and compares pooled features — the
/// check that a quantized model still computes the float model's features, and the measure of per-layer
/// sensitivity.</summary>
public static class FeatureComparison
{
    /// <summary>Pooled features, image i at [i·D, (i+1)·D), pooled as the descriptor's output says.</summary>
    public static float[] Features(ModelProto model, BackboneOutput output, Preprocessing.TensorLayout layout, CalibrationImages images, int threads = 0)
    {
        using var so = ActivationCalibrator.SessionOptionsFor(threads);
        using var session = OrtSessionFactory.Open(model.ToByteArray(), so, "quantized model");
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        var dim = output.Dimension;
        var features = new float[images.Count * dim];
        var batch = ActivationCalibrator.BatchSize(images);
        for (var start = 0; start < images.Count; start += batch)
        {
            var n = Math.Min(batch, images.Count - start);
            var (data, shape) = images.Batch(start, n);
            using var input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(Microsoft.ML.OnnxRuntime.OrtMemoryInfo.DefaultInstance, data, shape);
            using var results = session.Run(runOptions, [images.InputName], [input], [output.Name]);
            var values = results[0].GetTensorDataAsSpan<float>();
            var outShape = results[0].GetTensorTypeAndShape().Shape;
            var target = features.AsSpan(start * dim, n * dim);
            if (output.Pooling == OutputPooling.InGraph) values.CopyTo(target);
            else OnnxBackbone.GlobalAveragePool(values, outShape, layout, dim, target);
        }
        return features;
    }

    /// <summary>Cosine and relative L2 between feature sets <paramref name="reference"/> and <paramref name="other"/>
    /// of <paramref name="dim"/> values per image.</summary>
    public static FeatureAgreement Compare(float[] reference, float[] other, int dim)
    {
        var count = reference.Length / dim;
        double sumCos = 0, minCos = double.PositiveInfinity, sumL2 = 0;
        for (var i = 0; i < count; i++)
        {
            var a = reference.AsSpan(i * dim, dim);
            var b = other.AsSpan(i * dim, dim);
            var na = System.Numerics.Tensors.TensorPrimitives.Norm(a);
            var nb = System.Numerics.Tensors.TensorPrimitives.Norm(b);
            var cos = na == 0 || nb == 0 ? (na == nb ? 1 : 0) : System.Numerics.Tensors.TensorPrimitives.Dot(a, b) / ((double)na * nb);
            sumCos += cos;
            minCos = Math.Min(minCos, cos);
            sumL2 += na == 0 ? 0 : System.Numerics.Tensors.TensorPrimitives.Distance(a, b) / na;
        }
        return new FeatureAgreement(sumCos / count, minCos, sumL2 / count);
    }
}

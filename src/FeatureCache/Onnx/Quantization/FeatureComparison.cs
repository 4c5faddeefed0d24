using Graft.FeatureCache.Backbones;
using Google.Protobuf;
using Onnx;

namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>Runs an in-memory ONNX model over <see cref="CalibrationImages"/> and compares pooled features — the
/// check that a quantized model still computes the float model's features, and the measure of per-layer
/// sensitivity (both compared by <see cref="FeatureAgreement"/>).</summary>
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
}

using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Fixtures;

/// <summary>Runs a model in ONNX Runtime (CPU, all optimisations) — the reference the converter must match.</summary>
public static class OrtReference
{
    /// <summary>Output <paramref name="output"/> for one float input; the batch dimension is made symbolic first, so
    /// fixed-batch (CNTK) models take any batch.</summary>
    public static (float[] Values, long[] Shape) Run(ModelProto model, string input, float[] data, long[] shape, string? output = null)
    {
        var copy = model.Clone();
        BatchDimension.MakeSymbolic(copy.Graph);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 2 };
        using var session = new InferenceSession(copy.ToByteArray(), options);
        using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
        var outputName = output ?? copy.Graph.Output[0].Name;
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input], [value], [outputName]);
        var result = results[0];
        return (result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape);
    }
}

using Graft.HeadTrainer.Training;
using Google.Protobuf;
using Microsoft.ML;
using Onnx;

namespace Graft.HeadTrainer.Heads;

/// <summary>
/// A fitted head: the ML.NET model (Features → Score, PredictedLabel), its training history, what selection chose,
/// its trainable parameter count and, where the head is dense layers, its weights for ONNX export.
/// </summary>
public sealed class TrainedHead
{
    public required HeadKind Kind { get; init; }

    /// <summary>Features (Vector&lt;Single, D&gt;) → Score (Vector&lt;Single, C&gt;, probabilities) and PredictedLabel.</summary>
    public required ITransformer Model { get; init; }

    /// <summary>Feature width D.</summary>
    public required int InputDimension { get; init; }

    /// <summary>Number of classes C.</summary>
    public required int Classes { get; init; }

    /// <summary>Per epoch (MLP), per L2 grid point (linear) or one row (LightGBM).</summary>
    public required IReadOnlyList<EpochRecord> History { get; init; }

    /// <summary>Trainable parameters, counted as Keras's summary() counts them (weights + biases; for LightGBM the
    /// trees' leaf values and split thresholds).</summary>
    public required long ParameterCount { get; init; }

    /// <summary>What model selection decided (chosen L2, best epoch, trees kept...), for config.json.</summary>
    public IReadOnlyDictionary<string, object> Selection { get; init; } = new Dictionary<string, object>();

    /// <summary>The head as dense layers + softmax; null where the head is not (LightGBM).</summary>
    public HeadWeights? Weights { get; init; }

    /// <summary>Builds the ONNX graph of a head that is not dense layers (LightGBM trees); class names → model.</summary>
    internal Func<IReadOnlyList<string>?, ModelProto>? OnnxBuilder { get; init; }

    /// <summary>Saves <see cref="Model"/> as an ML.NET model zip whose input schema is the features column alone.</summary>
    public void Save(MLContext ml, string path) => ml.Model.Save(Model, FeatureDataView.InputSchema(InputDimension), path);

    /// <summary>
    /// The head as an ONNX model: input <c>Features</c> float32 [N, D], output <c>Score</c> float32 [N, C]
    /// (probabilities), class names in the metadata key <see cref="HeadOnnx.ClassNamesKey"/>. Dense heads (linear,
    /// mlp) are Gemm/Relu/Softmax graphs (<see cref="HeadOnnx"/>); LightGBM is ML.NET's own export of its trees.
    /// </summary>
    public ModelProto ToOnnx(IReadOnlyList<string>? classNames = null)
    {
        if (Weights is not null) return HeadOnnx.Build(Weights, classNames);
        if (OnnxBuilder is not null) return OnnxBuilder(classNames);
        throw new GraftException($"The {Kind.ToName()} head has no ONNX form.", "Train a linear or mlp head for ONNX export.");
    }

    /// <summary>Writes <see cref="ToOnnx"/> to <paramref name="path"/>.</summary>
    public void WriteOnnx(string path, IReadOnlyList<string>? classNames = null) => File.WriteAllBytes(path, ToOnnx(classNames).ToByteArray());
}

namespace Graft.FineTuner.Layers;

/// <summary>
/// One layer of a backbone as the fine-tuner counts them (Keras's <c>model.layers</c> entry, or one ONNX node):
/// its position, name, the graph nodes that implement it and the initializers it owns.
/// </summary>
/// <param name="Index">0-based position; layer 0 is the bottom (input side).</param>
/// <param name="Name">Keras layer name, or the ONNX node name when the model carries no layer list.</param>
/// <param name="Nodes">Indices into <see cref="Conversion.OnnxGraphModule.Nodes"/>; empty for layers without
/// computation (Keras's InputLayer).</param>
/// <param name="Parameters">Trainable-capable float initializers owned by the layer (weights, biases, BN scale/shift).</param>
/// <param name="Statistics">BatchNormalization running mean/variance initializers owned by the layer (never trained
/// by gradient; Keras counts them as non-trainable parameters).</param>
/// <param name="OpTypes">Distinct operator types of its nodes, for listings ("Conv", "BatchNormalization").</param>
public sealed record BackboneLayer(
    int Index,
    string Name,
    IReadOnlyList<int> Nodes,
    IReadOnlyList<string> Parameters,
    IReadOnlyList<string> Statistics,
    IReadOnlyList<string> OpTypes)
{
    /// <summary>Number of values in <see cref="Parameters"/> plus <see cref="Statistics"/> (Keras's per-layer count).</summary>
    public long ParameterCount { get; init; }
}

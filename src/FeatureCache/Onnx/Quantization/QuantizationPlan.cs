namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>One node <see cref="QdqQuantizer"/> will run in int8.</summary>
/// <param name="Name">Node name (unique in the graph; unnamed nodes get their first output's name).</param>
/// <param name="OpType">Conv, MatMul, Gemm or Add.</param>
/// <param name="ActivationInputs">Float activation inputs to quantize (tensor names).</param>
/// <param name="WeightInput">Index of the constant weight input, or −1 (Add, activation × activation MatMul).</param>
/// <param name="WeightAxis">Axis of the weight's output channels: 0 for Conv and Gemm with transB=1, 1 for MatMul and
/// Gemm with transB=0; −1 for a per-tensor weight (MatMul with a weight of rank ≠ 2).</param>
/// <param name="BiasInput">Index of the constant bias input (Conv, Gemm), or −1.</param>
/// <param name="Output">The tensor quantized after the node: its own output, or the output of the Relu that follows
/// it and is folded into the quantization (a Q with zero point at the low end of the range clamps like Relu).</param>
/// <param name="FusedRelu">Name of that Relu node, or null.</param>
public sealed record QuantizedNode(string Name, string OpType, IReadOnlyList<string> ActivationInputs, int WeightInput,
    int WeightAxis, int BiasInput, string Output, string? FusedRelu);

/// <summary>Which nodes of a prepared float graph are quantized, and which activation tensors need ranges.</summary>
public sealed record QuantizationPlan
{
    public required IReadOnlyList<QuantizedNode> Nodes { get; init; }

    /// <summary>Every activation tensor that gets a QuantizeLinear/DequantizeLinear pair, in graph order.</summary>
    public required IReadOnlyList<string> Tensors { get; init; }

    /// <summary>Tensors whose low end is pinned at 0 because a Relu is folded into their quantization.</summary>
    public required IReadOnlySet<string> ReluTensors { get; init; }

    /// <summary>Nodes of a quantizable type that stay float32 (excluded by the user, or with non-constant weights).</summary>
    public required IReadOnlyList<string> FloatNodes { get; init; }

    /// <summary>The same plan restricted to the nodes <paramref name="keep"/> accepts (sensitivity analysis).</summary>
    public QuantizationPlan Only(Func<QuantizedNode, bool> keep)
    {
        var nodes = Nodes.Where(keep).ToList();
        var tensors = nodes.SelectMany(n => n.ActivationInputs.Append(n.Output)).ToHashSet(StringComparer.Ordinal);
        return this with
        {
            Nodes = nodes,
            Tensors = Tensors.Where(tensors.Contains).ToList(),
            ReluTensors = ReluTensors.Where(tensors.Contains).ToHashSet(StringComparer.Ordinal),
        };
    }
}

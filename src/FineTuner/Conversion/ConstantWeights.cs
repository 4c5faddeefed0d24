using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Graft.FineTuner.Conversion;

/// <summary>
/// Some exporters (torch.onnx without constant folding, tf2onnx, hand-edited graphs) put weights in <c>Constant</c>
/// or <c>ConstantOfShape</c> nodes instead of initializers. Such a node whose float tensor feeds only learnable slots
/// (Conv W/B, Gemm, MatMul, Add, Mul, PRelu slope, LayerNormalization scale/bias — every slot for which
/// <see cref="OpFactory.IsConstantSlot"/> is false) is turned into an initializer of the same name before conversion,
/// so it becomes a Parameter under the same trainable/frozen rule as any initializer, counts in the layer list and is
/// written back. One-element tensors stay Constant nodes: they are the eps, ½ and √2 of decomposed LayerNorm/GELU, not
/// weights.
/// </summary>
internal static class ConstantWeights
{
    /// <summary>The nodes <see cref="Promote"/> would turn into initializers.</summary>
    public static IReadOnlyList<NodeProto> Promotable(GraphProto graph)
    {
        var consumers = new Dictionary<string, List<(string Op, int Slot)>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (!consumers.TryGetValue(node.Input[i], out var list)) consumers[node.Input[i]] = list = [];
                list.Add((node.OpType, i));
            }
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        return graph.Node.Where(n =>
            n.Output.Count == 1 && !outputs.Contains(n.Output[0]) && !initializers.Contains(n.Output[0])
            && consumers.TryGetValue(n.Output[0], out var c) && c.All(s => !OpFactory.IsConstantSlot(s.Op, s.Slot))
            && SafeValue(n, graph) is { } t && TensorProtoConversion.IsFloat(t) && t.Dims.Aggregate(1L, (a, b) => a * b) > 1).ToList();
    }

    /// <summary>Replaces each promotable node by an initializer named after its output; returns how many.</summary>
    public static int Promote(GraphProto graph)
    {
        var nodes = Promotable(graph);
        foreach (var node in nodes)
        {
            var tensor = SafeValue(node, graph)!;
            tensor.Name = node.Output[0];
            graph.Initializer.Add(tensor);
            graph.Node.Remove(node);
        }
        return nodes.Count;
    }

    /// <summary><see cref="Value"/>, or null when the node's tensor cannot be read: the node then stays a node and
    /// fails at run with its own message.</summary>
    private static TensorProto? SafeValue(NodeProto node, GraphProto graph)
    {
        try
        {
            return Value(node, graph);
        }
        catch (GraftException)
        {
            return null;
        }
    }

    /// <summary>The tensor a Constant (value attribute) or ConstantOfShape (shape from an int64 initializer, value
    /// attribute or float 0) node produces, as a new proto; null for anything else.</summary>
    private static TensorProto? Value(NodeProto node, GraphProto graph)
    {
        if (node.OpType == "Constant")
            return node.Attribute.FirstOrDefault(a => a.Name == "value")?.T?.Clone();
        if (node.OpType != "ConstantOfShape" || node.Input.Count != 1) return null;
        var shapeProto = graph.Initializer.FirstOrDefault(t => t.Name == node.Input[0]);
        if (shapeProto is null) return null;
        var dims = TensorProtoConversion.ToLongs(shapeProto);
        var valueProto = node.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
        if (valueProto is not null && (DataType)valueProto.DataType != DataType.Float) return null;
        var value = valueProto is null ? 0f : TensorProtoConversion.ToFloats(valueProto)[0];
        var count = dims.Aggregate(1L, (a, b) => a * b);
        if (count > 1 << 26) return null; // a mask or scratch tensor, not a weight
        var values = Enumerable.Repeat(value, (int)count).ToArray();
        var t = new TensorProto { DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        return t;
    }
}

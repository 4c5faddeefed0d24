using Google.Protobuf;
using Onnx;

namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>
/// Brings a float model into the form <see cref="QdqQuantizer"/> and <see cref="ActivationCalibrator"/> work on:
/// opset at least 13 (per-axis QuantizeLinear/DequantizeLinear), IR version at least 7, initializers no longer listed
/// as graph inputs (ONNX Runtime treats such an initializer as overridable, so it neither constant-folds the weight
/// DequantizeLinear nor fuses the QDQ pattern), and every BatchNormalization that follows a Conv folded into that Conv
/// (a BN between the quantized Conv and its output Q would stop the QLinearConv fusion, and folding first means the
/// folded weights are the ones quantized). The result computes the same function as the input, up to float rounding.
/// </summary>
public static class GraphPreparation
{
    /// <summary>Default-domain operators whose meaning did not change between opset 7 and 13 in the forms exports
    /// use, so raising an older model's opset to 13 is safe. A model with any other operator below opset 13 is
    /// refused rather than silently re-interpreted.</summary>
    private static readonly HashSet<string> StableOps = new(StringComparer.Ordinal)
    {
        "Conv", "Relu", "LeakyRelu", "Add", "Sub", "Mul", "Div", "Sum", "Max", "Min", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Concat", "Flatten", "Gemm", "MatMul", "Sigmoid",
        "Tanh", "Identity", "Transpose", "Reshape", "Shape", "Gather", "Constant", "Exp", "Sqrt", "Abs", "Neg",
    };

    public const int MinimumOpset = 13;

    /// <summary>A prepared copy of <paramref name="source"/> (the source is not changed); <paramref name="foldedBatchNorms"/>
    /// counts the BatchNormalization nodes folded into convolutions.</summary>
    public static ModelProto Prepare(ModelProto source, out int foldedBatchNorms)
    {
        var model = source.Clone();
        var graph = model.Graph;
        RaiseOpset(model);
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = graph.Input.Count - 1; i >= 0; i--)
            if (initializers.Contains(graph.Input[i].Name)) graph.Input.RemoveAt(i);
        foldedBatchNorms = BatchNormFolding.Fold(graph, MinimumOpset);
        RemoveUnusedInitializers(graph);
        return model;
    }

    private static void RaiseOpset(ModelProto model)
    {
        var import = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (import is null)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = MinimumOpset });
        }
        else if (import.Version < MinimumOpset)
        {
            var unsafeOps = model.Graph.Node.Where(n => n.Domain is "" or "ai.onnx" && !StableOps.Contains(n.OpType))
                .Select(n => n.OpType).Distinct().Order(StringComparer.Ordinal).ToList();
            if (unsafeOps.Count > 0)
                throw new GraftException($"The model uses opset {import.Version}; quantizing needs opset {MinimumOpset}, and its {string.Join(", ", unsafeOps)} operator(s) changed meaning in between.",
                    "Export the model again with opset 13 or later.");
            import.Version = MinimumOpset;
            foreach (var bn in model.Graph.Node.Where(n => n.OpType == "BatchNormalization"))
            {
                // 'spatial' (opset < 9) is gone at 13; spatial=1 is the only meaning later opsets keep.
                var spatial = bn.Attribute.FirstOrDefault(a => a.Name == "spatial");
                if (spatial is { I: 0 }) throw new GraftException($"BatchNormalization '{bn.Name}' is non-spatial (spatial=0), which opset 13 cannot express.");
                if (spatial is not null) bn.Attribute.Remove(spatial);
                var consumed = bn.Attribute.FirstOrDefault(a => a.Name == "consumed_inputs");
                if (consumed is not null) bn.Attribute.Remove(consumed);
            }
        }
        if (model.IrVersion < 7) model.IrVersion = 7;
    }

    /// <summary>How many node inputs read each tensor (graph outputs not counted).</summary>
    internal static Dictionary<string, int> Consumers(GraphProto graph)
    {
        var uses = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
            foreach (var i in n.Input)
                if (i.Length > 0) uses[i] = uses.GetValueOrDefault(i) + 1;
        foreach (var n in graph.Node) foreach (var o in n.Output) uses.TryAdd(o, 0);
        return uses;
    }

    internal static void RemoveUnusedInitializers(GraphProto graph)
    {
        var used = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        for (var i = graph.Initializer.Count - 1; i >= 0; i--)
            if (!used.Contains(graph.Initializer[i].Name)) graph.Initializer.RemoveAt(i);
    }

    internal static string Unique<T>(IDictionary<string, T> taken, string name)
    {
        var candidate = name;
        for (var k = 2; taken.ContainsKey(candidate); k++) candidate = $"{name}_{k}";
        return candidate;
    }
}

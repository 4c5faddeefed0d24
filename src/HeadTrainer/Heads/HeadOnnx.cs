using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using Graft.FeatureCache.Onnx;
using Onnx;
using static Graft.FeatureCache.Onnx.OnnxProto;

namespace Graft.HeadTrainer.Heads;

/// <summary>
/// Writes a <see cref="HeadWeights"/> as a small ONNX graph (opset 13): Gemm (+ Relu) per layer, then Softmax.
/// Two forms:
/// <list type="bullet">
/// <item><see cref="Build"/>: input <c>Features</c> float32 [N, D], output <c>Score</c> float32 [N, C] with a symbolic
/// batch N — the form <c>graft export --format onnx</c> joins to a backbone's pooled output.</item>
/// <item><see cref="BuildForMlNet"/>: batch fixed at 1, <c>Score</c> reshaped to [C] and <c>PredictedIndex</c> uint32 [1]
/// (arg-max), because ML.NET's OnnxTransformer feeds one row at a time and turns output shape [N, C] into a
/// Vector&lt;Single, 1, C&gt; and a rank-0 output into an unreadable object column.</item>
/// </list>
/// Class names go into the model's metadata (<c>graft.class_names</c>, a JSON array) when given.
/// </summary>
public static class HeadOnnx
{
    public const string InputName = HeadColumns.Features;
    public const string ScoreName = HeadColumns.Score;
    public const string PredictedIndexName = "PredictedIndex";
    public const string ClassNamesKey = "graft.class_names";
    private const int Opset = 13;

    /// <summary>The batched graph [N, D] → [N, C].</summary>
    public static ModelProto Build(HeadWeights head, IReadOnlyList<string>? classNames = null)
    {
        var graph = new GraphProto { Name = "graft_head" };
        var logits = AddLayers(graph, head);
        graph.Node.Add(Node("Softmax", [logits], [ScoreName], Int("axis", 1)));
        graph.Input.Add(Value(InputName, TensorProto.Types.DataType.Float, Dim("N"), Dim(head.InputDimension)));
        graph.Output.Add(Value(ScoreName, TensorProto.Types.DataType.Float, Dim("N"), Dim(head.Classes)));
        return Model(graph, classNames);
    }

    /// <summary>The one-row graph ML.NET's ApplyOnnxModel serves: [1, D] → Score [C], PredictedIndex [1].</summary>
    public static ModelProto BuildForMlNet(HeadWeights head)
    {
        var graph = new GraphProto { Name = "graft_head_mlnet" };
        var logits = AddLayers(graph, head);
        graph.Node.Add(Node("Softmax", [logits], ["probabilities"], Int("axis", 1)));
        graph.Initializer.Add(OnnxProto.Int64Tensor("flat_shape", -1));
        graph.Node.Add(Node("Reshape", ["probabilities", "flat_shape"], [ScoreName]));
        graph.Node.Add(Node("ArgMax", [logits], ["arg_max"], Int("axis", 1), Int("keepdims", 0)));
        graph.Node.Add(Node("Cast", ["arg_max"], [PredictedIndexName], Int("to", (long)TensorProto.Types.DataType.Uint32)));
        graph.Input.Add(Value(InputName, TensorProto.Types.DataType.Float, Dim(1), Dim(head.InputDimension)));
        graph.Output.Add(Value(ScoreName, TensorProto.Types.DataType.Float, Dim(head.Classes)));
        graph.Output.Add(Value(PredictedIndexName, TensorProto.Types.DataType.Uint32, Dim(1)));
        return Model(graph, null);
    }

    /// <summary>Writes the batched graph to <paramref name="path"/>.</summary>
    public static void Write(HeadWeights head, string path, IReadOnlyList<string>? classNames = null) =>
        File.WriteAllBytes(path, Build(head, classNames).ToByteArray());

    private static string AddLayers(GraphProto graph, HeadWeights head)
    {
        var x = InputName;
        for (var i = 0; i < head.Layers.Count; i++)
        {
            var layer = head.Layers[i];
            graph.Initializer.Add(OnnxProto.FloatTensor($"dense{i}_kernel", [layer.Inputs, layer.Outputs], layer.Kernel));
            graph.Initializer.Add(OnnxProto.FloatTensor($"dense{i}_bias", [layer.Outputs], layer.Bias));
            var y = $"dense{i}";
            graph.Node.Add(Node("Gemm", [x, $"dense{i}_kernel", $"dense{i}_bias"], [y]));
            if (layer.Relu)
            {
                graph.Node.Add(Node("Relu", [y], [$"dense{i}_relu"]));
                y = $"dense{i}_relu";
            }
            x = y;
        }
        return x;
    }

    private static ModelProto Model(GraphProto graph, IReadOnlyList<string>? classNames)
    {
        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "graft",
            ProducerVersion = typeof(HeadOnnx).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (classNames is not null)
            model.MetadataProps.Add(new StringStringEntryProto { Key = ClassNamesKey, Value = JsonSerializer.Serialize(classNames) });
        return model;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes) =>
        OnnxProto.Node(op, $"{op}_{outputs[0]}", inputs, outputs, attributes);
}

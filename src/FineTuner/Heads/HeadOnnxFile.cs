using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using Graft.FineTuner.Conversion;
using Onnx;

namespace Graft.FineTuner.Heads;

/// <summary>
/// A dense head as a small ONNX graph — the form the head trainer writes (<c>Features</c> [N, D] → Gemm (+ Relu) per
/// layer → Softmax → <c>Score</c> [N, C], kernels [in, out], class names in metadata <c>graft.class_names</c>).
/// <see cref="Read"/> turns such a graph into <see cref="DenseHead"/> weights (also accepting Gemm with transB, MatMul + Add,
/// and a final Softmax or none); <see cref="Write"/> writes a <see cref="DenseHead"/> back in the head trainer's form, so
/// its predict/export read a fine-tuned head like their own.
/// </summary>
public static class HeadOnnxFile
{
    public const string InputName = "Features";
    public const string OutputName = "Score";
    public const string ClassNamesKey = "graft.class_names";

    /// <summary>Reads a head graph. <paramref name="classNames"/> is used when the file has no graft.class_names;
    /// <paramref name="dropoutBeforeLast"/> is the training dropout before the last layer (the seed's 0.5; ONNX does not
    /// keep it).</summary>
    public static DenseHead Read(string path, IReadOnlyList<string>? classNames = null, float dropoutBeforeLast = 0f)
    {
        var file = OnnxModelFile.Load(path);
        var graph = file.Graph;
        var init = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var names = file.Metadata(ClassNamesKey) is { } json ? JsonSerializer.Deserialize<string[]>(json) : classNames?.ToArray();
        var layers = new List<DenseLayerWeights>();
        float[]? pendingKernel = null; // MatMul waiting for its Add
        int pendingIn = 0, pendingOut = 0;
        foreach (var node in graph.Node)
        {
            switch (node.OpType)
            {
                case "Gemm":
                {
                    var a = new NodeAttributes(node);
                    if (a.Int("transA", 0) != 0 || a.Float("alpha", 1) != 1 || a.Float("beta", 1) != 1)
                        throw Unsupported(path, node, "Gemm with transA, alpha or beta");
                    var b = Floats(init, node.Input[1], path);
                    var dims = init[node.Input[1]].Dims;
                    var transB = a.Int("transB", 0) != 0;
                    var (inputs, outputs) = transB ? ((int)dims[1], (int)dims[0]) : ((int)dims[0], (int)dims[1]);
                    var weight = transB ? b : Transpose(b, inputs, outputs);
                    var bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? Floats(init, node.Input[2], path) : new float[outputs];
                    layers.Add(new DenseLayerWeights(inputs, outputs, weight, bias, HeadActivation.None));
                    break;
                }
                case "MatMul":
                {
                    var dims = init[node.Input[1]].Dims;
                    (pendingIn, pendingOut) = ((int)dims[0], (int)dims[1]);
                    pendingKernel = Transpose(Floats(init, node.Input[1], path), pendingIn, pendingOut);
                    break;
                }
                case "Add" when pendingKernel is not null:
                    layers.Add(new DenseLayerWeights(pendingIn, pendingOut, pendingKernel, Floats(init, node.Input[1], path), HeadActivation.None));
                    pendingKernel = null;
                    break;
                case "Relu" when layers.Count > 0:
                    layers[^1] = layers[^1] with { Activation = HeadActivation.Relu };
                    break;
                case "Softmax" or "Identity" or "Flatten" or "Dropout":
                    break;
                default:
                    throw Unsupported(path, node, $"operator {node.OpType}");
            }
        }
        if (pendingKernel is not null) layers.Add(new DenseLayerWeights(pendingIn, pendingOut, pendingKernel, new float[pendingOut], HeadActivation.None));
        if (layers.Count == 0) throw new GraftException($"Head '{path}' has no dense layer.");
        if (dropoutBeforeLast > 0) layers[^1] = layers[^1] with { DropoutBefore = dropoutBeforeLast };
        var classes = layers[^1].Outputs;
        var head = new DenseHead
        {
            InputDimension = layers[0].Inputs,
            ClassNames = names ?? Enumerable.Range(0, classes).Select(i => $"class_{i}").ToArray(),
            Layers = layers,
        };
        head.Validate();
        return head;
    }

    /// <summary>Writes <paramref name="head"/> as Features → Gemm/Relu… → Softmax → Score (opset 13), normalisation
    /// folded into the first layer.</summary>
    public static void Write(IHeadWeights head, string path)
    {
        var dense = DenseHead.From(head).FoldNormalization();
        var graph = new GraphProto { Name = "graft_head" };
        var x = InputName;
        for (var i = 0; i < dense.Layers.Count; i++)
        {
            var layer = dense.Layers[i];
            graph.Initializer.Add(Tensor($"dense{i}_kernel", [layer.Inputs, layer.Outputs], Transpose(layer.Weight, layer.Outputs, layer.Inputs)));
            graph.Initializer.Add(Tensor($"dense{i}_bias", [layer.Outputs], layer.Bias));
            graph.Node.Add(Node("Gemm", [x, $"dense{i}_kernel", $"dense{i}_bias"], $"dense{i}"));
            x = $"dense{i}";
            if (layer.Activation == HeadActivation.Relu)
            {
                graph.Node.Add(Node("Relu", [x], $"dense{i}_relu"));
                x = $"dense{i}_relu";
            }
        }
        var softmax = Node("Softmax", [x], OutputName);
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(softmax);
        graph.Input.Add(Value(InputName, dense.InputDimension));
        graph.Output.Add(Value(OutputName, dense.ClassNames.Count));
        var model = new ModelProto { IrVersion = 7, ProducerName = "graft-finetune", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        model.MetadataProps.Add(new StringStringEntryProto { Key = ClassNamesKey, Value = JsonSerializer.Serialize(dense.ClassNames) });
        AtomicFile.WriteAllBytes(path, model.ToByteArray());
    }

    /// <summary>[rows, cols] row-major → [cols, rows].</summary>
    internal static float[] Transpose(float[] m, int rows, int cols)
    {
        var t = new float[m.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        return t;
    }

    private static float[] Floats(Dictionary<string, TensorProto> init, string name, string path)
    {
        if (!init.TryGetValue(name, out var t)) throw new GraftException($"Head '{path}': '{name}' is not a constant weight.");
        return t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : t.FloatData.ToArray();
    }

    private static GraftException Unsupported(string path, NodeProto node, string what) =>
        new($"Head '{path}' has {what} (node '{node.Name}'); the fine-tuner reads dense heads (Gemm/MatMul+Add, Relu, Softmax).");

    private static TensorProto Tensor(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        t.Dims.AddRange(dims);
        return t;
    }

    private static NodeProto Node(string op, string[] inputs, string output)
    {
        var n = new NodeProto { OpType = op, Name = $"{op}_{output}" };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        return n;
    }

    private static ValueInfoProto Value(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }
}

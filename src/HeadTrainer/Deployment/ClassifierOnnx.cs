using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Onnx;
using Graft.FeatureCache.Onnx;
using static Graft.FeatureCache.Onnx.OnnxProto;

namespace Graft.HeadTrainer.Deployment;

/// <summary>
/// Joins preprocessing, a backbone and a head into one ONNX classifier:
/// <c>image</c> float32 [N, 3, H, W] — RGB planes, 0..255, already resized to the backbone's H×W (ML.NET's
/// ExtractPixels output) → channel order, scale, mean/std and mean image → backbone → pooling → head →
/// <c>probabilities</c> float32 [N, C] and <c>class_index</c> int64 [N]. Class names, backbone identity and the
/// preprocessing go into the model's metadata. The backbone keeps its own opset; the nodes added here (Gather, Mul,
/// Add, Sub, Transpose, GlobalAveragePool, Flatten, Gemm, Relu, Softmax on 2-D, ArgMax) mean the same from opset 7 on.
/// </summary>
public static class ClassifierOnnx
{
    public const string ImageInput = "image";
    public const string ProbabilitiesOutput = "probabilities";
    public const string ClassIndexOutput = "class_index";
    public const string ClassNamesKey = "graft.class_names";

    /// <param name="backbone">The backbone's descriptor (preprocessing, input/output names, pooling).</param>
    /// <param name="backboneModel">The backbone graph with a symbolic batch dimension (the file ONNX Runtime runs).</param>
    /// <param name="head">The head graph: input <c>Features</c> [N, D], output <c>Score</c> [N, C] probabilities.</param>
    /// <param name="classNames">Label i's name at index i.</param>
    /// <param name="meanImage">The resolved per-pixel mean image when the preprocessing has one (CHW).</param>
    /// <param name="singleImage">Fix the batch at 1 and flatten the outputs to [C] and [1] — the form ML.NET's
    /// OnnxTransformer reads one row at a time.</param>
    public static ModelProto Compose(BackboneDescriptor backbone, ModelProto backboneModel, ModelProto head,
        IReadOnlyList<string> classNames, float[]? meanImage, bool singleImage = false)
    {
        var p = backbone.Preprocess;
        var opsets = backboneModel.OpsetImport.Concat(head.OpsetImport)
            .GroupBy(o => o.Domain is "ai.onnx" ? "" : o.Domain)
            .ToDictionary(g => g.Key, g => Math.Max(g.Key == "" ? 7 : 1, g.Max(o => o.Version)));
        var backboneOpset = backboneModel.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(7).Max();
        var graph = new GraphProto { Name = $"graft_{backbone.Name}_classifier" };
        var normalized = AddPreprocessing(graph, p, meanImage);
        var pooledInput = Merge(graph, backboneModel.Graph, "backbone/", new Dictionary<string, string> { [backbone.Input.Name] = normalized });
        if (opsets[""] > backboneOpset) UpgradeNodes(graph, opsets[""]);
        var features = AddPooling(graph, p.Layout, backbone.Output.Pooling, pooledInput[backbone.Output.Name]);
        var headOutputs = Merge(graph, head.Graph, "head/", new Dictionary<string, string> { [head.Graph.Input[0].Name] = features });
        var probabilities = headOutputs[head.Graph.Output[0].Name];

        var classes = classNames.Count;
        var batch = singleImage ? Dim(1) : Dim("N");
        graph.Input.Add(Value(ImageInput, TensorProto.Types.DataType.Float, batch, Dim(3), Dim(p.Height), Dim(p.Width)));
        if (singleImage)
        {
            graph.Initializer.Add(Int64s("out/flat", [-1]));
            graph.Node.Add(Node("Reshape", [probabilities, "out/flat"], [ProbabilitiesOutput]));
            graph.Node.Add(Node("ArgMax", [probabilities], [ClassIndexOutput], Int("axis", 1), Int("keepdims", 0)));
            graph.Output.Add(Value(ProbabilitiesOutput, TensorProto.Types.DataType.Float, Dim(classes)));
            graph.Output.Add(Value(ClassIndexOutput, TensorProto.Types.DataType.Int64, Dim(1)));
        }
        else
        {
            graph.Node.Add(Node("Identity", [probabilities], [ProbabilitiesOutput]));
            graph.Node.Add(Node("ArgMax", [probabilities], [ClassIndexOutput], Int("axis", 1), Int("keepdims", 0)));
            graph.Output.Add(Value(ProbabilitiesOutput, TensorProto.Types.DataType.Float, Dim("N"), Dim(classes)));
            graph.Output.Add(Value(ClassIndexOutput, TensorProto.Types.DataType.Int64, Dim("N")));
        }

        // One opset per domain for the whole graph: the highest either part asks for (a LightGBM head's tree ensemble
        // needs a newer one than the CNTK ResNet18's 8; UpgradeNodes rewrites what changed in between).
        var model = new ModelProto { IrVersion = Math.Max(7, Math.Max(backboneModel.IrVersion, head.IrVersion)), ProducerName = "graft", Graph = graph };
        foreach (var (domain, version) in opsets.OrderBy(o => o.Key, StringComparer.Ordinal))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        Meta(model, ClassNamesKey, JsonSerializer.Serialize(classNames));
        Meta(model, "graft.backbone", JsonSerializer.Serialize(new { backbone.Name, backbone.Id, backbone.Sha256 }));
        Meta(model, "graft.preprocess", p.CanonicalText());
        Meta(model, "graft.input", $"{ImageInput}: float32 [{(singleImage ? "1" : "N")},3,{p.Height},{p.Width}], RGB planes 0..255, resized by {p.Resize} ({p.Interpolation}, crop fraction {p.CropFraction})");
        return model;
    }

    /// <summary>
    /// Brings old-opset backbone nodes up to <paramref name="opset"/> where the operator only lost attributes:
    /// BatchNormalization's <c>spatial</c> (opset 9 made spatial=1 the only behaviour), <c>is_test</c> and
    /// <c>consumed_inputs</c> (opset 6/7). Anything else that changed is left for ONNX Runtime to reject by name.
    /// </summary>
    private static void UpgradeNodes(GraphProto graph, long opset)
    {
        foreach (var node in graph.Node.Where(n => n.OpType == "BatchNormalization"))
        {
            var spatial = node.Attribute.FirstOrDefault(a => a.Name == "spatial");
            if (spatial is not null && spatial.I != 1 && opset >= 9)
                throw new GraftException($"Node '{node.Name}' uses BatchNormalization spatial=0, which opset {opset} cannot express.");
            var drop = node.Attribute.Where(a => a.Name is "spatial" or "is_test" or "consumed_inputs").ToList();
            foreach (var a in drop) node.Attribute.Remove(a);
        }
    }

    /// <summary>image → the backbone's input: channel order, (x·scale − mean)/std, minus the mean image, layout.</summary>
    private static string AddPreprocessing(GraphProto graph, PreprocessSpec p, float[]? meanImage)
    {
        var x = ImageInput;
        if (p.ChannelOrder == ChannelOrder.Bgr)
        {
            graph.Initializer.Add(Int64s("pre/bgr_index", [2, 1, 0]));
            graph.Node.Add(Node("Gather", [x, "pre/bgr_index"], ["pre/bgr"], Int("axis", 1)));
            x = "pre/bgr";
        }
        var multiplier = new float[3];
        var offset = new float[3];
        for (var c = 0; c < 3; c++)
        {
            multiplier[c] = p.Scale / p.Std[c];
            offset[c] = -p.Mean[c] / p.Std[c];
        }
        graph.Initializer.Add(Floats("pre/multiplier", [1, 3, 1, 1], multiplier));
        graph.Initializer.Add(Floats("pre/offset", [1, 3, 1, 1], offset));
        graph.Node.Add(Node("Mul", [x, "pre/multiplier"], ["pre/scaled"]));
        graph.Node.Add(Node("Add", ["pre/scaled", "pre/offset"], ["pre/normalized"]));
        x = "pre/normalized";
        if (meanImage is not null)
        {
            graph.Initializer.Add(Floats("pre/mean_image", [1, 3, p.Height, p.Width], meanImage));
            graph.Node.Add(Node("Sub", [x, "pre/mean_image"], ["pre/centered"]));
            x = "pre/centered";
        }
        if (p.Layout == TensorLayout.Nhwc)
        {
            graph.Node.Add(Node("Transpose", [x, ], ["pre/nhwc"], Ints("perm", 0, 2, 3, 1)));
            x = "pre/nhwc";
        }
        return x;
    }

    /// <summary>The backbone output → [N, D] features.</summary>
    private static string AddPooling(GraphProto graph, TensorLayout layout, OutputPooling pooling, string output)
    {
        var x = output;
        if (pooling == OutputPooling.GlobalAverage)
        {
            if (layout == TensorLayout.Nhwc)
            {
                graph.Node.Add(Node("Transpose", [x], ["pool/nchw"], Ints("perm", 0, 3, 1, 2)));
                x = "pool/nchw";
            }
            graph.Node.Add(Node("GlobalAveragePool", [x], ["pool/pooled"]));
            x = "pool/pooled";
        }
        graph.Node.Add(Node("Flatten", [x], ["features"], Int("axis", 1)));
        return "features";
    }

    /// <summary>
    /// Copies <paramref name="source"/>'s initializers and nodes into <paramref name="target"/> with every tensor name
    /// prefixed, except graph inputs named in <paramref name="bind"/>, which are wired to existing tensors. Returns the
    /// new name of every tensor of the source.
    /// </summary>
    private static Dictionary<string, string> Merge(GraphProto target, GraphProto source, string prefix, Dictionary<string, string> bind)
    {
        var names = new Dictionary<string, string>(bind, StringComparer.Ordinal);
        string Rename(string name) => name.Length == 0 ? name : names.TryGetValue(name, out var n) ? n : names[name] = prefix + name;
        var initializers = source.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in source.Input)
            if (!initializers.Contains(input.Name) && !bind.ContainsKey(input.Name))
                throw new GraftException($"Graph input '{input.Name}' is not bound; the model has more inputs than an image backbone.");
        foreach (var init in source.Initializer)
        {
            var copy = init.Clone();
            copy.Name = Rename(init.Name);
            target.Initializer.Add(copy);
        }
        foreach (var node in source.Node)
        {
            var copy = node.Clone();
            copy.Name = prefix + (node.Name.Length > 0 ? node.Name : node.Output[0]);
            copy.Input.Clear();
            copy.Input.AddRange(node.Input.Select(Rename));
            copy.Output.Clear();
            copy.Output.AddRange(node.Output.Select(Rename));
            target.Node.Add(copy);
        }
        foreach (var output in source.Output) Rename(output.Name);
        return names;
    }

    private static void Meta(ModelProto model, string key, string value) => model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

    private static TensorProto Floats(string name, long[] dims, float[] values) => OnnxProto.FloatTensor(name, dims, values);

    private static TensorProto Int64s(string name, long[] values) => OnnxProto.Int64Tensor(name, values);

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes) =>
        OnnxProto.Node(op, outputs[0], inputs, outputs, attributes);
}

using System.Text.Json;
using Graft.ModelImport.Onnx;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Graft.ModelImport.Layers;

/// <summary>
/// Lists an ONNX backbone's layers for <c>graft backbone layers</c>. With Graft's <c>graft.layers</c> metadata the rows
/// are the Keras layers, each owning the nodes named "&lt;layer&gt;" or "&lt;layer&gt;/…" and the initializers those
/// nodes consume (the fine-tuner's contract); otherwise every node is a layer, in graph order. Output shapes come from
/// the model's value_info; where that is missing, from ONNX Runtime running one zero image with every node output
/// exposed.
/// </summary>
public static class BackboneLayerTable
{
    /// <param name="onnxPath">The model file.</param>
    /// <param name="imageSize">Spatial size used for the ONNX Runtime shape pass when the input's size is symbolic.</param>
    public static BackboneLayerList Read(string onnxPath, int imageSize = 224)
    {
        if (!File.Exists(onnxPath)) throw new GraftException($"Model file '{onnxPath}' does not exist.");
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(onnxPath);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new GraftException($"'{onnxPath}' is not an ONNX model: {e.Message}");
        }
        // Protobuf reads an empty file as a model without a graph, not as an error.
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new GraftException($"'{onnxPath}' is not an ONNX model: it holds no graph.");
        return FromModel(model, onnxPath, imageSize);
    }

    internal static BackboneLayerList FromModel(ModelProto model, string path, int imageSize)
    {
        var graph = model.Graph;
        var shapes = KnownShapes(graph);
        var shapeSource = "value_info";
        if (graph.Node.Any(n => n.Output.Count > 0 && !shapes.ContainsKey(n.Output[0])))
        {
            shapeSource = ShapesFromRuntime(model, imageSize, shapes) ? "onnxruntime" : "unknown";
        }
        var floatInit = graph.Initializer
            .Where(t => t.DataType is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Double
                or (int)TensorProto.Types.DataType.Float16 or (int)TensorProto.Types.DataType.Bfloat16)
            .ToDictionary(t => t.Name, t => t.Dims.Aggregate(1L, (a, d) => a * d));
        var counted = new HashSet<string>();
        long Params(IEnumerable<NodeProto> nodes) =>
            nodes.SelectMany(n => n.Input).Where(i => floatInit.ContainsKey(i) && counted.Add(i)).Sum(i => floatInit[i]);

        var meta = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        if (meta.TryGetValue(GraftModelMetadata.Layers, out var layersJson))
        {
            var names = JsonSerializer.Deserialize<string[]>(layersJson) ?? [];
            var types = meta.TryGetValue(GraftModelMetadata.LayerTypes, out var t) ? JsonSerializer.Deserialize<string[]>(t) : null;
            var listed = names.ToHashSet(StringComparer.Ordinal);
            var byLayer = graph.Node.GroupBy(n => Owner(n.Name)).ToDictionary(g => g.Key, g => g.ToList());
            var inputs = graph.Input.Select(i => i.Name).ToHashSet();
            var rows = names.Select((name, i) =>
            {
                var nodes = byLayer.GetValueOrDefault(name) ?? [];
                var main = nodes.FirstOrDefault(n => n.Name == name);
                var tensor = main?.Output[0] ?? (inputs.Contains(name) ? name : null);
                var type = types is not null && i < types.Length ? types[i] : main?.OpType ?? (inputs.Contains(name) ? "Input" : "?");
                return new BackboneLayerRow(i, name, type, Params(nodes), tensor is null ? "?" : shapes.GetValueOrDefault(tensor, "?"), nodes.Count);
            }).ToList();
            return new BackboneLayerList
            {
                ModelPath = path, KerasLayers = true, Layers = rows, ShapeSource = shapeSource,
                UnlistedNodes = graph.Node.Where(n => !listed.Contains(Owner(n.Name))).Select(n => n.Name).ToList(),
            };
        }

        var perNode = graph.Node.Select((n, i) => new BackboneLayerRow(i, string.IsNullOrEmpty(n.Name) ? $"{n.OpType}_{i}" : n.Name, n.OpType,
            Params([n]), n.Output.Count > 0 ? shapes.GetValueOrDefault(n.Output[0], "?") : "?", 1)).ToList();
        return new BackboneLayerList { ModelPath = path, KerasLayers = false, Layers = perNode, ShapeSource = shapeSource, UnlistedNodes = [] };
    }

    /// <summary>The layer a node belongs to: its name up to the first '/'.</summary>
    private static string Owner(string nodeName)
    {
        var slash = nodeName.IndexOf('/');
        return slash < 0 ? nodeName : nodeName[..slash];
    }

    private static Dictionary<string, string> KnownShapes(GraphProto graph)
    {
        var shapes = new Dictionary<string, string>();
        foreach (var v in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
            if (v.Type?.TensorType?.Shape is { } s && s.Dim.Count > 0)
                shapes[v.Name] = "[" + string.Join(",", s.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : string.IsNullOrEmpty(d.DimParam) ? "?" : d.DimParam)) + "]";
        return shapes;
    }

    /// <summary>Runs one zero image (batch 1) with every node output that lacks a shape added as a graph output and
    /// records the shapes ONNX Runtime produces. Returns false when the model cannot be run that way.</summary>
    private static bool ShapesFromRuntime(ModelProto model, int imageSize, Dictionary<string, string> shapes)
    {
        var probe = model.Clone();
        var initializers = probe.Graph.Initializer.Select(i => i.Name).ToHashSet();
        var wanted = probe.Graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0 && !shapes.ContainsKey(o)).Distinct().ToList();
        var existing = probe.Graph.Output.Select(o => o.Name).ToHashSet();
        foreach (var name in wanted.Where(n => !existing.Contains(n))) probe.Graph.Output.Add(new ValueInfoProto { Name = name });
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(probe), options);
            var feeds = new List<NamedOnnxValue>();
            foreach (var input in probe.Graph.Input.Where(i => !initializers.Contains(i.Name)))
            {
                var meta = session.InputMetadata[input.Name];
                var dims = meta.Dimensions.Select((d, i) => d > 0 ? d : i == 0 ? 1 : imageSize).ToArray();
                var tensor = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(dims);
                feeds.Add(NamedOnnxValue.CreateFromTensor(input.Name, tensor));
            }
            using var results = session.Run(feeds, wanted);
            foreach (var r in results)
                if (r.Value is Microsoft.ML.OnnxRuntime.Tensors.Tensor<float> tf)
                    shapes[r.Name] = "[" + string.Join(",", tf.Dimensions.ToArray().Select((d, i) => i == 0 ? "N" : d.ToString())) + "]";
            return true;
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }
}

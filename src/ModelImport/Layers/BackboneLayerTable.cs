using Graft.FeatureCache.Backbones;
using System.Text.Json;
using Graft.ModelImport.Onnx;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Graft.FeatureCache.Onnx;

namespace Graft.ModelImport.Layers;

/// <summary>
/// <c>graft backbone layers</c>: <see cref="BackboneLayers"/> (the layers exactly as the fine-tuner counts them)
/// with each layer's parameter count and output shape. Shapes come from the model's value_info; where that is
/// missing, from ONNX Runtime running one zero image with every node output exposed.
/// </summary>
public static class BackboneLayerTable
{
    /// <param name="onnxPath">The model file.</param>
    /// <param name="imageSize">Spatial size used for the ONNX Runtime shape pass when the input's size is symbolic.</param>
    public static BackboneLayerList Read(string onnxPath, int imageSize = 224)
    {
        return FromModel(OnnxModelReader.Read(onnxPath), onnxPath, imageSize);
    }

    internal static BackboneLayerList FromModel(ModelProto model, string path, int imageSize)
    {
        var graph = model.Graph;
        var shapes = KnownShapes(graph);
        var shapeSource = "value_info";
        if (graph.Node.Any(n => n.Output.Count > 0 && !shapes.ContainsKey(n.Output[0])))
        {
            shapeSource = ShapesFromRuntime(model, path, imageSize, shapes) ? "onnxruntime" : "unknown";
        }
        var table = BackboneLayers.Of(model);
        var rows = table.Layers.Select(l => new BackboneLayerRow(l.Index, l.Name, l.Type, l.Values,
            l.Output is null ? "?" : shapes.GetValueOrDefault(l.Output, "?"), l.Nodes.Count(n => !table.UnclaimedNodes.Contains(graph.Node[n].Name)))).ToList();
        return new BackboneLayerList
        {
            ModelPath = path, KerasLayers = table.FromMetadata, Layers = rows, ShapeSource = shapeSource, UnlistedNodes = table.UnclaimedNodes,
            Blocks = table.Blocks, Stages = table.Stages,
        };
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
    private static bool ShapesFromRuntime(ModelProto model, string path, int imageSize, Dictionary<string, string> shapes)
    {
        var probe = model.Clone();
        var initializers = probe.Graph.Initializer.Select(i => i.Name).ToHashSet();
        var wanted = probe.Graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0 && !shapes.ContainsKey(o)).Distinct().ToList();
        var existing = probe.Graph.Output.Select(o => o.Name).ToHashSet();
        foreach (var name in wanted.Where(n => !existing.Contains(n))) probe.Graph.Output.Add(new ValueInfoProto { Name = name });
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = OrtSessionFactory.Open(Google.Protobuf.MessageExtensions.ToByteArray(probe), options, path);
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
        catch (Exception e) when (e is OnnxRuntimeException or GraftException)
        {
            return false;
        }
    }
}

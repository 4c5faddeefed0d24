using Google.Protobuf;
using Onnx;

namespace Graft.FeatureCache.Backbones;

/// <summary>
/// Makes a model's batch dimension symbolic. CNTK-era exports (ML.NET's ResNet18) fix it at 1, which forces one
/// session call per image; with dim 0 named "N" on every graph input and output, and the stale intermediate shapes
/// (value_info) dropped, ONNX Runtime runs whole batches. The copy is written once under
/// <see cref="GraftHome"/>/models/&lt;sha256&gt;/ and reused.
/// </summary>
public static class BatchDimension
{
    /// <summary>The symbolic name given to dimension 0.</summary>
    public const string SymbolicName = "N";

    /// <summary>Path of a batched copy of <paramref name="modelPath"/> (whose hash is <paramref name="sha256"/>),
    /// creating it on first use.</summary>
    public static string EnsureBatchedCopy(string modelPath, string sha256)
    {
        var dir = Path.Combine(GraftHome.Directory, "models", sha256);
        var target = Path.Combine(dir, "batched.onnx");
        if (File.Exists(target)) return target;
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new GraftException($"'{modelPath}' is not an ONNX model: {e.Message}");
        }
        // Protobuf reads an empty file as a model without a graph, not as an error.
        if (model.Graph is null || model.Graph.Input.Count == 0 || model.Graph.Output.Count == 0)
            throw new GraftException($"'{modelPath}' is not an ONNX model: it holds no graph with inputs and outputs.",
                "Point the descriptor at the exported model file.");
        Directory.CreateDirectory(dir);
        MakeSymbolic(model.Graph);
        var tmp = $"{target}.{Environment.ProcessId}.tmp";
        File.WriteAllBytes(tmp, model.ToByteArray());
        File.Move(tmp, target, overwrite: true);
        return target;
    }

    /// <summary>Names dim 0 of every non-initializer graph input and every output <see cref="SymbolicName"/> and
    /// clears value_info (ONNX Runtime re-infers intermediate shapes).</summary>
    public static void MakeSymbolic(GraphProto graph)
    {
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var value in graph.Input.Where(i => !initializers.Contains(i.Name)).Concat(graph.Output))
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is null || dims.Count == 0) continue;
            dims[0] = new TensorShapeProto.Types.Dimension { DimParam = SymbolicName };
        }
        graph.ValueInfo.Clear();
    }
}

using Google.Protobuf;
using Onnx;
using Graft.FeatureCache.Onnx;

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
    /// creating it on first use. The copy's own hash is recorded beside it (<c>batched.onnx.sha256</c>) and checked on
    /// every use: a copy altered or damaged after it was made is rebuilt, so features are never computed by a model
    /// other than the one their key names.</summary>
    public static string EnsureBatchedCopy(string modelPath, string sha256)
    {
        var dir = Path.Combine(GraftHome.Directory, "models", sha256);
        var target = Path.Combine(dir, "batched.onnx");
        var record = target + ".sha256";
        if (File.Exists(target) && File.Exists(record) && string.Equals(File.ReadAllText(record).Trim(), ModelHash.Compute(target), StringComparison.Ordinal))
            return target;
        Directory.CreateDirectory(dir);
        var model = OnnxModelReader.Read(modelPath);
        MakeSymbolic(model.Graph);
        var bytes = model.ToByteArray();
        AtomicFile.WriteAllBytes(target, bytes);
        AtomicFile.WriteAllText(record, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
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

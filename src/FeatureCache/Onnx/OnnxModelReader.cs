using Google.Protobuf;
using Graft.FeatureCache.Datasets;
using Onnx;

namespace Graft.FeatureCache.Onnx;

/// <summary>
/// The one place ONNX files are parsed. Reads exactly as many bytes as the file says it holds (a device such as
/// /dev/zero, which reports 0, is refused instead of read until memory runs out) and refuses what protobuf accepts
/// but is no model: an empty file parses as an empty <see cref="ModelProto"/>, and a graph with no nodes and no
/// outputs computes nothing.
/// </summary>
public static class OnnxModelReader
{
    /// <summary>Protobuf's hard limit; a larger ONNX file keeps its tensors in external data files.</summary>
    private const long MaxBytes = int.MaxValue;

    /// <summary>Parses the ONNX file at <paramref name="path"/>; throws <see cref="GraftException"/> when it is
    /// missing, not a regular file, empty, not protobuf, or holds no graph.</summary>
    public static ModelProto Read(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new GraftException($"'{full}' is a folder, not an ONNX model file.");
        if (!File.Exists(full)) throw new GraftException($"ONNX file '{full}' does not exist.");
        if (FileNode.Stat(full) is { IsRegular: false } node) // opening a FIFO blocks; a device reports no length
            throw new GraftException($"'{full}' is {node.Describe()}, not an ONNX model file.", "Check the path.");
        var length = new FileInfo(full).Length;
        if (length == 0)
            throw new GraftException($"'{full}' is empty (or not a regular file): it is not an ONNX model.",
                "Export the model again, or check the path.");
        if (length > MaxBytes)
            throw new GraftException($"'{full}' is {length / (1 << 20):N0} MB; ONNX files over 2 GB keep their weights in external data files.");
        var bytes = new byte[length];
        using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            stream.ReadExactly(bytes);
        return Parse(bytes, full);
    }

    /// <summary>Parses ONNX bytes named <paramref name="what"/> in messages (a path or a description).</summary>
    public static ModelProto Parse(byte[] bytes, string what)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GraftException($"'{what}' is not an ONNX model: {e.Message}", "Check the path; export the model again if it was damaged.");
        }
        if (model.Graph is null || (model.Graph.Node.Count == 0 && model.Graph.Output.Count == 0))
            throw new GraftException($"'{what}' is not an ONNX model: it holds no graph.", "Check the path; export the model again if it was damaged.");
        return model;
    }
}

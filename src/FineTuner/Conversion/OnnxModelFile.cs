using Graft.FeatureCache.Backbones;
using Google.Protobuf;
using Onnx;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FeatureCache.Onnx;

namespace Graft.FineTuner.Conversion;

/// <summary>
/// A parsed ONNX model as the fine-tuner sees it: the graph, the default-domain opset, metadata, and where the file
/// came from (external tensor data is resolved relative to it). Loading is separate from conversion so the same
/// protobuf is later written back with updated initializers (<see cref="Export.OnnxWriteBack"/>).
/// </summary>
public sealed class OnnxModelFile
{
    /// <summary>The metadata key under which importers store the Keras layer list (a JSON array of names in
    /// <c>model.layers</c> order); see <see cref="Layers.LayerList"/>.</summary>
    public const string LayersMetadataKey = Graft.FeatureCache.Backbones.BackboneLayers.NamesKey;

    private OnnxModelFile(ModelProto model, string? path)
    {
        Model = model;
        Path = path;
        ConstantWeights.Promote(model.Graph); // weights in Constant nodes become initializers (Parameters)
        Opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => (int)o.Version).DefaultIfEmpty(1).Max();
        var foreign = model.Graph.Node.Where(n => n.Domain is not ("" or "ai.onnx")).Select(n => $"{n.Domain}:{n.OpType}").Distinct().ToList();
        if (foreign.Count > 0)
            throw new GraftException($"The ONNX model uses operators outside the standard domain ({string.Join(", ", foreign)}).",
                "Export the model with standard ONNX operators only.");
    }

    /// <summary>The protobuf; external tensor data already read into <c>raw_data</c>.</summary>
    public ModelProto Model { get; }

    public GraphProto Graph => Model.Graph;

    /// <summary>Full path of the file, or null for a model built in memory.</summary>
    public string? Path { get; }

    /// <summary>Opset version of the default ("" / ai.onnx) domain; decides attribute-vs-input forms (Slice, Pad, Clip…).</summary>
    public int Opset { get; }

    /// <summary>Value of a metadata_props entry, or null.</summary>
    public string? Metadata(string key) => Model.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;

    /// <summary>Reads an ONNX file. Throws <see cref="GraftException"/> for a missing or malformed file.</summary>
    public static OnnxModelFile Load(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        var model = OnnxModelReader.Read(path);
        ResolveExternalData(model.Graph, System.IO.Path.GetDirectoryName(path)!);
        return new OnnxModelFile(model, path);
    }

    /// <summary>Wraps a model built in code (tests, heads).</summary>
    public static OnnxModelFile FromModel(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null) throw new ArgumentException("The model has no graph.", nameof(model));
        // Promoting Constant weights edits the graph: do it on a copy, never on the caller's model.
        return new OnnxModelFile(ConstantWeights.Promotable(model.Graph).Count > 0 ? model.Clone() : model, null);
    }

    /// <summary>Moves tensors stored beside the model (data_location = EXTERNAL) into raw_data, so conversion and
    /// write-back see one self-contained protobuf.</summary>
    private static void ResolveExternalData(GraphProto graph, string directory)
    {
        foreach (var t in graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External))
        {
            var entries = t.ExternalData.ToDictionary(e => e.Key, e => e.Value);
            if (!entries.TryGetValue("location", out var location))
                throw new GraftException($"Initializer '{t.Name}' is stored externally but names no file.");
            var file = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, location));
            if (!File.Exists(file))
                throw new GraftException($"Initializer '{t.Name}' is stored in '{file}', which does not exist.",
                    "Keep the model's external data files beside it.");
            var offset = entries.TryGetValue("offset", out var o) ? long.Parse(o, System.Globalization.CultureInfo.InvariantCulture) : 0;
            using var stream = File.OpenRead(file);
            var length = entries.TryGetValue("length", out var l) ? long.Parse(l, System.Globalization.CultureInfo.InvariantCulture) : stream.Length - offset;
            var bytes = new byte[length];
            stream.Seek(offset, SeekOrigin.Begin);
            stream.ReadExactly(bytes);
            t.RawData = ByteString.CopyFrom(bytes);
            t.ExternalData.Clear();
            t.DataLocation = TensorProto.Types.DataLocation.Default;
        }
    }
}

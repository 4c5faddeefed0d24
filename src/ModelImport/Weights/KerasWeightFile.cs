using PureHDF;
using PureHDF.VOL.Native;

namespace Graft.ModelImport.Weights;

/// <summary>
/// A Keras 2 HDF5 weight file (<c>model.save_weights('x.h5')</c>, the files of keras.applications such as
/// <c>NASNet-large-no-top.h5</c>), read with PureHDF. Layout (Keras <c>hdf5_format.save_weights_to_hdf5_group</c>):
/// the root attribute <c>layer_names</c> lists every layer in <c>model.layers</c> order (split into
/// <c>layer_names0</c>, <c>layer_names1</c>, … when it exceeds the 64 KB object header); each layer has a group with
/// the attribute <c>weight_names</c> (an empty array for layers without weights) and one dataset per weight at the
/// weight's name, e.g. <c>/stem_conv1/stem_conv1/kernel:0</c>. A whole-model file (<c>model.save</c>) holds the same
/// under <c>/model_weights</c>. Strings may be fixed-length bytes (h5py from numpy) or variable-length.
/// </summary>
public sealed class KerasWeightFile : IDisposable
{
    private readonly NativeFile _file;
    private readonly IH5Group _root;

    private KerasWeightFile(string path, NativeFile file, IH5Group root, IReadOnlyList<string> layerNames)
    {
        Path = path;
        _file = file;
        _root = root;
        LayerNames = layerNames;
    }

    public string Path { get; }

    /// <summary>The file's layer names in the saving model's <c>model.layers</c> order.</summary>
    public IReadOnlyList<string> LayerNames { get; }

    /// <summary>Opens <paramref name="path"/>; <see cref="GraftException"/> when it is missing, not HDF5 or not in
    /// Keras's layout.</summary>
    public static KerasWeightFile Open(string path)
    {
        if (!File.Exists(path))
            throw new GraftException($"Weight file '{path}' does not exist.",
                "Keras keeps downloaded weights in ~/.keras/models/ (NASNet-large-no-top.h5 for NASNetLarge without top).");
        NativeFile file;
        try
        {
            file = H5File.OpenRead(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new GraftException($"'{path}' is not a readable HDF5 file: {e.Message}", "Pass a Keras .h5 weight file.", e);
        }
        try
        {
            IH5Group root = file;
            if (!HasLayerNames(root) && root.LinkExists("model_weights")) root = root.Group("model_weights");
            if (!HasLayerNames(root))
                throw new GraftException($"'{path}' is HDF5 but not a Keras weight file: it has no 'layer_names' attribute.",
                    "Pass the file Keras's save_weights wrote (e.g. NASNet-large-no-top.h5); a TensorFlow SavedModel or a Keras 3 .weights.h5 is not supported.");
            return new KerasWeightFile(path, file, root, ReadStrings(root, "layer_names"));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The layer's <c>weight_names</c> (e.g. <c>stem_bn1/gamma:0</c> …); empty for a layer without weights.</summary>
    public IReadOnlyList<string> WeightNames(string layer)
    {
        if (!_root.LinkExists(layer))
            throw new GraftException($"Weight file '{Path}' lists layer '{layer}' but has no group for it.", "The file is truncated or damaged; download it again.");
        return ReadStrings(_root.Group(layer), "weight_names");
    }

    /// <summary>Reads one weight (float16/32/64 stored; float32 returned).</summary>
    public KerasWeightTensor Read(string layer, string weightName)
    {
        var group = _root.Group(layer);
        if (!group.LinkExists(weightName))
            throw new GraftException($"Weight file '{Path}': layer '{layer}' names weight '{weightName}' but has no such dataset.", "The file is truncated or damaged; download it again.");
        var dataset = group.Dataset(weightName);
        var shape = dataset.Space.Dimensions.Select(d => checked((int)d)).ToArray();
        var type = dataset.Type;
        if (type.Class != H5DataTypeClass.FloatingPoint)
            throw new GraftException($"Weight file '{Path}': '{layer}/{weightName}' is {type.Class}, not floating point.");
        var values = type.Size switch
        {
            4 => dataset.Read<float[]>(),
            8 => Array.ConvertAll(dataset.Read<double[]>(), d => (float)d),
            2 => Array.ConvertAll(dataset.Read<Half[]>(), h => (float)h),
            _ => throw new GraftException($"Weight file '{Path}': '{layer}/{weightName}' has {type.Size}-byte floats."),
        };
        return new KerasWeightTensor(weightName, shape, values);
    }

    public void Dispose() => _file.Dispose();

    private static bool HasLayerNames(IH5Group group) => group.AttributeExists("layer_names") || group.AttributeExists("layer_names0");

    /// <summary>Keras's <c>load_attributes_from_hdf5_group</c>: <c>name</c>, or the chunks <c>name0</c>, <c>name1</c>, …
    /// concatenated. A non-string or empty attribute (h5py stores an empty list as a float64 array) reads as empty.</summary>
    private static List<string> ReadStrings(IH5Object group, string name)
    {
        var names = new List<string>();
        if (group.AttributeExists(name))
        {
            names.AddRange(ReadStringAttribute(group.Attribute(name)));
            return names;
        }
        for (var chunk = 0; group.AttributeExists($"{name}{chunk}"); chunk++)
            names.AddRange(ReadStringAttribute(group.Attribute($"{name}{chunk}")));
        return names;
    }

    private static IEnumerable<string> ReadStringAttribute(IH5Attribute attribute)
    {
        if (attribute.Space.Type == H5DataspaceType.Null) return [];
        var count = attribute.Space.Dimensions.Aggregate(1UL, (a, d) => a * d);
        if (count == 0) return [];
        if (attribute.Type.Class != H5DataTypeClass.String && attribute.Type.Class != H5DataTypeClass.VariableLength)
            throw new GraftException($"Attribute '{attribute.Name}' holds {attribute.Type.Class} values, not layer or weight names.");
        var values = attribute.Space.Type == H5DataspaceType.Scalar
            ? [attribute.Read<string>()]
            : attribute.Read<string[]>();
        return values.Select(s => s.TrimEnd('\0'));
    }
}

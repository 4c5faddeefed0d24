using Graft.ModelImport.Keras;
using PureHDF;

namespace Graft.ModelImport.Weights;

/// <summary>
/// Writes weights in the Keras 2 HDF5 layout that <see cref="KerasWeightFile"/> reads and Keras's
/// <c>load_weights</c> accepts: root attribute <c>layer_names</c> (every layer, <c>model.layers</c> order; or chunks
/// <c>layer_names0</c>, <c>layer_names1</c>, …), a group per layer (sorted by name, as Keras creates them) with
/// <c>weight_names</c> and a dataset per weight at <c>&lt;layer&gt;/&lt;layer&gt;/&lt;weight&gt;:0</c>. Strings are
/// fixed-length, like h5py's numpy byte strings. Used by tests and for exporting random-init weights.
/// </summary>
public static class KerasWeightFileWriter
{
    /// <summary>Writes <paramref name="weights"/> (of their model) to <paramref name="path"/>.</summary>
    /// <param name="path">The .h5 file to write.</param>
    /// <param name="weights">Values in Keras layout.</param>
    /// <param name="options">Chunking of <c>layer_names</c>, and deliberate mismatches for tests.</param>
    public static void Write(string path, KerasWeights weights, KerasWeightFileWriteOptions? options = null)
    {
        options ??= new KerasWeightFileWriteOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LayerNameChunks, 1);
        var layers = weights.Model.Layers.Where(l => !options.SkipLayers.Contains(l.Name)).ToList();
        string Stored(string name) => options.RenameLayers?.Invoke(name) ?? name;
        var file = new H5File();
        var names = layers.Select(l => Stored(l.Name)).ToArray();
        var chunks = options.LayerNameChunks;
        if (chunks == 1)
        {
            file.Attributes["layer_names"] = names;
        }
        else
        {
            var offset = 0;
            for (var c = 0; c < chunks; c++)
            {
                var size = names.Length / chunks + (c < names.Length % chunks ? 1 : 0);
                file.Attributes[$"layer_names{c}"] = names[offset..(offset + size)];
                offset += size;
            }
        }
        file.Attributes["backend"] = "tensorflow";
        file.Attributes["keras_version"] = "2.4.0";

        foreach (var layer in layers.OrderBy(l => Stored(l.Name), StringComparer.Ordinal))
        {
            var stored = Stored(layer.Name);
            var group = new H5Group();
            var values = weights.For(layer);
            var weightNames = layer.Weights.Select(w => $"{stored}/{w.Name}:0").ToArray();
            // An empty list becomes numpy's empty float64 array in Keras's files.
            group.Attributes["weight_names"] = weightNames.Length == 0 ? Array.Empty<double>() : weightNames;
            if (weightNames.Length > 0)
            {
                var inner = new H5Group();
                for (var i = 0; i < weightNames.Length; i++)
                {
                    var shape = options.ShapeOverrides.TryGetValue($"{layer.Name}/{layer.Weights[i].Name}", out var s) ? s : layer.Weights[i].Shape;
                    var data = values[i];
                    var count = shape.Aggregate(1L, (a, d) => a * d);
                    if (count != data.LongLength) Array.Resize(ref data, checked((int)count));
                    inner[$"{layer.Weights[i].Name}:0"] = new H5Dataset(data, fileDims: shape.Select(d => (ulong)d).ToArray());
                }
                group[stored] = inner;
            }
            file[stored] = group;
        }
        var longest = names.Concat(layers.SelectMany(l => l.Weights.Select(w => $"{Stored(l.Name)}/{w.Name}:0"))).Max(n => n.Length);
        file.Write(path, new H5WriteOptions(DefaultStringLength: longest));
    }
}

using Graft.ModelImport.Keras;

namespace Graft.ModelImport.Weights;

/// <summary>
/// Fills a <see cref="KerasModel"/>'s weights from a <see cref="KerasWeightFile"/>. Layers are paired by name when the
/// file has every weighted layer of the architecture (extra layers, such as a with-top file's classifier, are ignored);
/// otherwise, when the file has exactly as many weighted layers, by position as Keras's own <c>load_weights</c> does.
/// Within a layer weights pair in Keras's variable order. Every shape is checked; a missing layer, a wrong weight count
/// or a wrong shape is a <see cref="GraftException"/> naming the layer.
/// </summary>
public static class KerasWeightBinder
{
    public static (KerasWeights Weights, WeightBindingReport Report) Load(KerasModel model, KerasWeightFile file, string architecture)
    {
        var ours = model.WeightedLayers.ToList();
        var fileWeighted = file.LayerNames.Where(n => file.WeightNames(n).Count > 0).ToList();
        var fileSet = fileWeighted.ToHashSet(StringComparer.Ordinal);

        WeightMatching matching;
        List<string> sources;
        if (ours.All(l => fileSet.Contains(l.Name)))
        {
            matching = WeightMatching.ByName;
            sources = ours.Select(l => l.Name).ToList();
        }
        else if (fileWeighted.Count == ours.Count)
        {
            matching = WeightMatching.ByPosition;
            sources = fileWeighted;
        }
        else
        {
            var missing = ours.First(l => !fileSet.Contains(l.Name));
            throw new GraftException(
                $"Weight file '{file.Path}' has no layer '{missing.Name}' ({missing.ClassName}, weights {string.Join(", ", missing.Weights.Select(w => $"{w.Name} {w.ShapeText}"))}) that {architecture} needs; "
                + $"it has {fileWeighted.Count} layers with weights, {architecture} has {ours.Count}.",
                $"Is it the weight file of {architecture} (for NASNetLarge without top: NASNet-large-no-top.h5)? Check --arch.");
        }

        var values = new Dictionary<string, float[][]>();
        long total = 0;
        for (var i = 0; i < ours.Count; i++)
        {
            var layer = ours[i];
            var source = sources[i];
            var where = source == layer.Name ? $"layer '{layer.Name}'" : $"layer '{layer.Name}' (paired by position with the file's '{source}')";
            var names = file.WeightNames(source);
            if (names.Count != layer.Weights.Count)
                throw new GraftException(
                    $"Weight file '{file.Path}', {where}: the file has {names.Count} weights ({string.Join(", ", names)}), {architecture} needs {layer.Weights.Count} ({string.Join(", ", layer.Weights.Select(w => w.Name))}).",
                    $"The file does not match {architecture}; check --arch.");
            var arrays = new float[names.Count][];
            for (var w = 0; w < names.Count; w++)
            {
                var tensor = file.Read(source, names[w]);
                var spec = layer.Weights[w];
                if (!tensor.Shape.AsSpan().SequenceEqual(spec.Shape))
                    throw new GraftException(
                        $"Weight file '{file.Path}', {where}: weight '{tensor.Name}' has shape {tensor.ShapeText}, {architecture} needs {spec.Name} {spec.ShapeText}.",
                        $"The file does not match {architecture}; check --arch (nasnet-large vs nasnet-mobile).");
                arrays[w] = tensor.Values;
                total += tensor.Values.LongLength;
            }
            values[layer.Name] = arrays;
        }

        var used = sources.ToHashSet(StringComparer.Ordinal);
        var report = new WeightBindingReport
        {
            FilePath = file.Path,
            Matching = matching,
            LayersLoaded = ours.Count,
            ValuesLoaded = total,
            IgnoredFileLayers = fileWeighted.Where(n => !used.Contains(n)).ToList(),
        };
        return (new KerasWeights(model, values), report);
    }
}

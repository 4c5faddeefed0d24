using Graft.ModelImport.Keras;

namespace Graft.ModelImport.Weights;

/// <summary>
/// The weight values of a <see cref="KerasModel"/>, per layer in Keras's variable order and Keras's layout
/// (row-major over <see cref="KerasWeightSpec.Shape"/>, channels last: kernels are (kh, kw, in, out)). Filled from a
/// weight file (<see cref="KerasWeightBinder"/>) or generated (<see cref="RandomWeights"/>); the ONNX writer transposes
/// them to ONNX's layout.
/// </summary>
public sealed class KerasWeights
{
    private readonly Dictionary<string, float[][]> _values;

    internal KerasWeights(KerasModel model, Dictionary<string, float[][]> values)
    {
        foreach (var layer in model.WeightedLayers)
        {
            if (!values.TryGetValue(layer.Name, out var v) || v.Length != layer.Weights.Count)
                throw new InvalidOperationException($"No values for all weights of '{layer.Name}'.");
            for (var i = 0; i < v.Length; i++)
                if (v[i].LongLength != layer.Weights[i].Elements)
                    throw new InvalidOperationException($"{layer.Name}/{layer.Weights[i].Name}: {v[i].LongLength} values for {layer.Weights[i].ShapeText}.");
        }
        Model = model;
        _values = values;
    }

    public KerasModel Model { get; }

    /// <summary>Values of <paramref name="layer"/>'s weights, parallel to <see cref="KerasLayer.Weights"/>; empty for a
    /// layer without weights.</summary>
    public IReadOnlyList<float[]> For(KerasLayer layer) => _values.TryGetValue(layer.Name, out var v) ? v : [];

    /// <summary>Total number of values (equals the model's parameter count).</summary>
    public long ParameterCount => _values.Values.Sum(v => v.Sum(a => a.LongLength));
}

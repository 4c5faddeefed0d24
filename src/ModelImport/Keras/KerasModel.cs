namespace Graft.ModelImport.Keras;

/// <summary>
/// A Keras functional model reduced to what Graft needs: its layers in <c>model.layers</c> order (see
/// <see cref="KerasLayerOrder"/>), one image input (the first layer) and one output layer.
/// </summary>
public sealed class KerasModel
{
    private readonly Dictionary<string, KerasLayer> _byName;

    internal KerasModel(string name, IReadOnlyList<KerasLayer> layers, KerasLayer output)
    {
        Name = name;
        Layers = layers;
        Output = output;
        _byName = layers.ToDictionary(l => l.Name);
        Input = layers.Single(l => l.Kind == KerasLayerKind.InputLayer);
    }

    /// <summary>Keras's model name ("NASNet").</summary>
    public string Name { get; }

    /// <summary><c>model.layers</c>: InputLayer first, output last.</summary>
    public IReadOnlyList<KerasLayer> Layers { get; }

    public KerasLayer Input { get; }

    public KerasLayer Output { get; }

    /// <summary><c>model.count_params()</c>: every weight, BatchNorm moving statistics included.</summary>
    public long ParameterCount => Layers.Sum(l => l.ParameterCount);

    /// <summary>Convolution multiply-adds per image (<see cref="KerasLayer.MultiplyAdds"/>).</summary>
    public long MultiplyAdds => Layers.Sum(l => l.MultiplyAdds);

    /// <summary>Layers that own weights, in <c>model.layers</c> order: the order Keras's
    /// <c>load_weights</c> pairs them with a file's weighted layers.</summary>
    public IEnumerable<KerasLayer> WeightedLayers => Layers.Where(l => l.Weights.Count > 0);

    public KerasLayer this[string name] => _byName.TryGetValue(name, out var l) ? l : throw new KeyNotFoundException($"No layer '{name}' in {Name}.");

    public bool Contains(string name) => _byName.ContainsKey(name);
}

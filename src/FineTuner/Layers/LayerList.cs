using Graft.FeatureCache.Backbones;
using Graft.FineTuner.Conversion;

namespace Graft.FineTuner.Layers;

/// <summary>
/// The backbone's layers in bottom-to-top order — what <c>--train-top N</c> counts — as <see cref="BackboneLayers"/>
/// defines them (the same table <c>graft backbone layers</c> prints), with the fine-tuner's view of each layer's
/// initializers: trainable parameters vs BatchNorm running statistics.
/// </summary>
public sealed class LayerList
{
    private readonly Dictionary<string, int> _byName;

    private LayerList(IReadOnlyList<BackboneLayer> layers, bool fromMetadata, int unclaimedNodes, BackboneLayers table)
    {
        Layers = layers;
        Table = table;
        FromMetadata = fromMetadata;
        UnclaimedNodes = unclaimedNodes;
        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var l in layers) _byName.TryAdd(l.Name, l.Index);
    }

    public IReadOnlyList<BackboneLayer> Layers { get; }

    public int Count => Layers.Count;

    /// <summary>True when the list came from the model's <c>graft.layers</c> metadata.</summary>
    public bool FromMetadata { get; }

    /// <summary>Nodes whose names matched no listed layer (assigned to the previous claimed node's layer).</summary>
    public int UnclaimedNodes { get; }

    /// <summary>Index of the layer named <paramref name="name"/>, or −1.</summary>
    public int IndexOf(string name) => _byName.TryGetValue(name, out var i) ? i : -1;

    /// <summary>The <see cref="BackboneLayers"/> table this list was built from: the owner of block and stage counts
    /// (<see cref="BackboneLayers.Blocks"/>, <see cref="BackboneLayers.FirstLayerOfTop"/>).</summary>
    public BackboneLayers Table { get; }

    /// <summary>Builds the list for a converted module: <see cref="BackboneLayers"/>'s layers (the one rule, shared
    /// with <c>graft backbone layers</c>) over the module's node order, each layer's initializers split into trainable
    /// parameters and BatchNorm statistics as the module classified them.</summary>
    public static LayerList For(OnnxGraphModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var table = BackboneLayers.Of(module.Source.Model, module.Nodes);
        var parameters = module.ParameterInitializers.ToHashSet(StringComparer.Ordinal);
        var statistics = module.StatisticInitializers.ToHashSet(StringComparer.Ordinal);
        var sizes = module.Source.Graph.Initializer.GroupBy(t => t.Name)
            .ToDictionary(g => g.Key, g => BackboneLayers.Elements(g.First()), StringComparer.Ordinal);
        var layers = table.Layers.Select(l =>
        {
            var p = l.Initializers.Where(parameters.Contains).ToArray();
            var st = l.Initializers.Where(statistics.Contains).ToArray();
            return new BackboneLayer(l.Index, l.Name, l.Nodes, p, st, l.Nodes.Select(n => module.Nodes[n].OpType).Distinct().ToArray())
            {
                ParameterCount = p.Concat(st).Sum(name => sizes[name]),
            };
        }).ToArray();
        return new LayerList(layers, table.FromMetadata, table.UnclaimedNodes.Count, table);
    }
}

using System.Text.Json;
using Graft.FineTuner.Conversion;

namespace Graft.FineTuner.Layers;

/// <summary>
/// The backbone's layers in bottom-to-top order — what <c>--train-top N</c> counts. When the ONNX model carries
/// metadata <c>graft.layers</c> (a JSON array of Keras layer names in <c>model.layers</c> order, written by the
/// NASNet importer: 1039 for NASNetLarge), those are the layers; a node belongs to the layer whose name equals the
/// node name or is its longest "name/" prefix, and nodes no layer claims join the layer of the nearest earlier
/// claimed node. Without the metadata every ONNX node is one layer, in graph order. Initializers belong to the layer of
/// the first node that consumes them.
/// </summary>
public sealed class LayerList
{
    private readonly Dictionary<string, int> _byName;

    private LayerList(IReadOnlyList<BackboneLayer> layers, bool fromMetadata, int unclaimedNodes)
    {
        Layers = layers;
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

    /// <summary>Builds the list for a converted module.</summary>
    public static LayerList For(OnnxGraphModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var nodes = module.Nodes;
        var metadata = module.Source.Metadata(OnnxModelFile.LayersMetadataKey);
        string[] names;
        int[] nodeLayer = new int[nodes.Count];
        var unclaimed = 0;
        if (metadata is not null)
        {
            names = ParseNames(metadata);
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < names.Length; i++)
                if (!index.TryAdd(names[i], i))
                    throw new GraftException($"The model's layer list names '{names[i]}' twice.", "Re-run the importer that wrote the model.");
            var previous = 0;
            for (var n = 0; n < nodes.Count; n++)
            {
                var layer = Claim(nodes[n].Name, index);
                if (layer < 0)
                {
                    unclaimed++;
                    layer = previous;
                }
                nodeLayer[n] = previous = layer;
            }
        }
        else
        {
            names = nodes.Select((n, i) => string.IsNullOrEmpty(n.Name) ? $"{n.OpType}_{i}" : n.Name).ToArray();
            names = Deduplicate(names);
            for (var n = 0; n < nodes.Count; n++) nodeLayer[n] = n;
        }

        var owner = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var n = 0; n < nodes.Count; n++)
            foreach (var input in nodes[n].Input)
                owner.TryAdd(input, nodeLayer[n]);
        var sizes = module.Source.Graph.Initializer.GroupBy(t => t.Name)
            .ToDictionary(g => g.Key, g => g.First().Dims.Aggregate(1L, (a, b) => a * b), StringComparer.Ordinal);
        var parameters = Group(module.ParameterInitializers, owner, names.Length);
        var statistics = Group(module.StatisticInitializers, owner, names.Length);
        var layers = new BackboneLayer[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var layerNodes = Enumerable.Range(0, nodes.Count).Where(n => nodeLayer[n] == i).ToArray();
            layers[i] = new BackboneLayer(i, names[i], layerNodes, parameters[i], statistics[i],
                layerNodes.Select(n => nodes[n].OpType).Distinct().ToArray())
            {
                ParameterCount = parameters[i].Concat(statistics[i]).Sum(p => sizes[p]),
            };
        }
        return new LayerList(layers, metadata is not null, unclaimed);
    }

    /// <summary>The layer claiming a node: exact name, else the longest "layer/" prefix of the node name.</summary>
    private static int Claim(string nodeName, Dictionary<string, int> index)
    {
        var name = nodeName;
        while (true)
        {
            if (index.TryGetValue(name, out var i)) return i;
            var slash = name.LastIndexOf('/');
            if (slash <= 0) return -1;
            name = name[..slash];
        }
    }

    private static List<string>[] Group(IReadOnlyList<string> initializers, Dictionary<string, int> owner, int count)
    {
        var groups = new List<string>[count];
        for (var i = 0; i < count; i++) groups[i] = [];
        foreach (var name in initializers)
            if (owner.TryGetValue(name, out var layer)) groups[layer].Add(name);
        return groups;
    }

    private static string[] ParseNames(string json)
    {
        try
        {
            var names = JsonSerializer.Deserialize<string[]>(json);
            if (names is null || names.Length == 0 || names.Any(string.IsNullOrEmpty))
                throw new GraftException("The model's graft.layers metadata is empty or names an empty layer.");
            return names;
        }
        catch (JsonException e)
        {
            throw new GraftException($"The model's graft.layers metadata is not a JSON array of names: {e.Message}");
        }
    }

    private static string[] Deduplicate(string[] names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return names.Select(n =>
        {
            var unique = n;
            for (var k = 2; !seen.Add(unique); k++) unique = $"{n}_{k}";
            return unique;
        }).ToArray();
    }
}

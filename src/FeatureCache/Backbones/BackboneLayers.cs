using System.Text.Json;
using Onnx;

namespace Graft.FeatureCache.Backbones;

/// <summary>One layer of a backbone: position, name, type, the graph nodes that implement it and the float
/// initializers it owns.</summary>
/// <param name="Index">0-based; layer 0 is the bottom (input side); <c>--train-top N</c> trains the last N.</param>
/// <param name="Name">Keras layer name, or the ONNX node name when the model carries no layer list.</param>
/// <param name="Type">Keras class name ("SeparableConv2D") from the model's layer types, else the ONNX op type.</param>
/// <param name="Nodes">Indices into the node list the table was built over; empty for layers without computation
/// (Keras's InputLayer).</param>
/// <param name="Initializers">Float initializers the layer owns: each belongs to the layer of the first node that
/// consumes it (looking through the Identity copies torch.onnx.export makes of merged initializers).</param>
/// <param name="Output">The tensor the layer outputs (its main node's first output), or null.</param>
/// <param name="Values">Values in <paramref name="Initializers"/>: the layer's parameter count as Keras's summary
/// counts it (BatchNorm statistics included).</param>
public sealed record BackboneLayerEntry(int Index, string Name, string Type, IReadOnlyList<int> Nodes, IReadOnlyList<string> Initializers,
    string? Output, long Values);

/// <summary>
/// The one rule for what a backbone's layers are — what <c>--train-top N</c> counts and what <c>graft backbone
/// layers</c> shows. When the ONNX model carries metadata <c>graft.layers</c> (a JSON array of Keras layer names in
/// <c>model.layers</c> order, written by the NASNet importer: 1039 for NASNetLarge), those are the layers: a node
/// belongs to the layer whose name equals the node name or is its longest "name/" prefix, and nodes no layer claims
/// (the appended global pooling) join the layer of the nearest earlier claimed node. Without the metadata every ONNX
/// node is one layer, in graph order.
/// <para>Blocks and stages (what <c>--train-blocks N</c> and <c>--train-stages N</c> count) group those layers into
/// the model's own units, found from the module scopes in PyTorch-exported node names (<see cref="ModuleScopeBlocks"/>
/// states the rule); a model whose node names carry no scopes (CNTK's ResNet18, Keras imports) has none.</para>
/// </summary>
public sealed class BackboneLayers
{
    /// <summary>Metadata key of the Keras layer list (JSON array of names).</summary>
    public const string NamesKey = "graft.layers";

    /// <summary>Metadata key of the Keras layer class names, parallel to <see cref="NamesKey"/>.</summary>
    public const string TypesKey = "graft.layer_types";

    private readonly Dictionary<string, int> _byName;

    private BackboneLayers(IReadOnlyList<BackboneLayerEntry> layers, bool fromMetadata, IReadOnlyList<string> unclaimed,
        IReadOnlyList<BackboneBlock> blocks, IReadOnlyList<BackboneStage> stages)
    {
        Layers = layers;
        FromMetadata = fromMetadata;
        UnclaimedNodes = unclaimed;
        Blocks = blocks;
        Stages = stages;
        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var l in layers) _byName.TryAdd(l.Name, l.Index);
    }

    public IReadOnlyList<BackboneLayerEntry> Layers { get; }

    public int Count => Layers.Count;

    /// <summary>True when the layers came from the model's <c>graft.layers</c> metadata.</summary>
    public bool FromMetadata { get; }

    /// <summary>Names of the nodes no listed layer claims (each joined the layer before it).</summary>
    public IReadOnlyList<string> UnclaimedNodes { get; }

    /// <summary>Index of the layer named <paramref name="name"/>, or −1.</summary>
    public int IndexOf(string name) => _byName.TryGetValue(name, out var i) ? i : -1;

    /// <summary>The model's blocks, bottom to top, covering every layer; empty when none were found.</summary>
    public IReadOnlyList<BackboneBlock> Blocks { get; }

    /// <summary>The model's stages, bottom to top, covering every block; empty when no blocks were found.</summary>
    public IReadOnlyList<BackboneStage> Stages { get; }

    /// <summary>How many units of <paramref name="unit"/> the model has.</summary>
    public int CountOf(BackboneUnit unit) => unit switch
    {
        BackboneUnit.Block => Blocks.Count,
        BackboneUnit.Stage => Stages.Count,
        _ => Count,
    };

    /// <summary>The first layer of the top <paramref name="top"/> units (<see cref="Count"/> for 0: nothing trains).
    /// Throws <see cref="GraftException"/> when the model has no such units or <paramref name="top"/> is out of range.</summary>
    public int FirstLayerOfTop(int top, BackboneUnit unit)
    {
        var word = Word(unit);
        var count = CountOf(unit);
        if (unit != BackboneUnit.Layer && count == 0)
            throw new GraftException($"This model has no {word}s: its node names carry no PyTorch module scopes (a CNTK or Keras export).",
                "Count layers instead: --train-top N or --train-from LAYER (graft backbone layers lists them).");
        if (top < 0 || top > count)
            throw new GraftException($"--train-{(unit == BackboneUnit.Layer ? "top" : word + "s")} {top} is out of range: the backbone has {count} {word}s.",
                $"Use 0..{count} (0 trains the head only).");
        if (top == 0) return Count;
        return unit switch
        {
            BackboneUnit.Block => Blocks[count - top].FirstLayer,
            BackboneUnit.Stage => Stages[count - top].FirstLayer,
            _ => Count - top,
        };
    }

    /// <summary>The first layer of the layer, block or stage named <paramref name="name"/> (layers first), or −1.</summary>
    public int FirstLayerOf(string name)
    {
        if (IndexOf(name) is >= 0 and var layer) return layer;
        if (Blocks.FirstOrDefault(b => b.Name == name) is { } block) return block.FirstLayer;
        return Stages.FirstOrDefault(s => s.Name == name)?.FirstLayer ?? -1;
    }

    /// <summary>"layer", "block" or "stage".</summary>
    public static string Word(BackboneUnit unit) => unit.ToString().ToLowerInvariant();

    /// <summary>The layers of <paramref name="model"/>, over <paramref name="nodes"/> (default: the graph's nodes in
    /// file order; the fine-tuner passes its topological order so node indices match its own).</summary>
    public static BackboneLayers Of(ModelProto model, IReadOnlyList<NodeProto>? nodes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        nodes ??= model.Graph.Node;
        var metadata = model.MetadataProps.FirstOrDefault(p => p.Key == NamesKey)?.Value;
        var nodeLayer = new int[nodes.Count];
        var unclaimed = new List<string>();
        string[] names;
        string[]? types = null;
        if (metadata is not null)
        {
            names = ParseNames(metadata);
            var typesJson = model.MetadataProps.FirstOrDefault(p => p.Key == TypesKey)?.Value;
            if (typesJson is not null) types = JsonSerializer.Deserialize<string[]>(typesJson);
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
                    unclaimed.Add(nodes[n].Name);
                    layer = previous;
                }
                nodeLayer[n] = previous = layer;
            }
        }
        else
        {
            names = Deduplicate(nodes.Select((n, i) => string.IsNullOrEmpty(n.Name) ? $"{n.OpType}_{i}" : n.Name).ToArray());
            for (var n = 0; n < nodes.Count; n++) nodeLayer[n] = n;
        }

        var floats = model.Graph.Initializer.Where(IsFloat).GroupBy(t => t.Name)
            .ToDictionary(g => g.Key, g => Elements(g.First()), StringComparer.Ordinal);
        var owned = new List<string>[names.Length];
        var layerNodes = new List<int>[names.Length];
        for (var i = 0; i < names.Length; i++) (owned[i], layerNodes[i]) = ([], []);
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        // torch.onnx.export merges equal-valued initializers and hands the copies out through Identity nodes it puts
        // first in the graph; such a weight belongs to the layer that computes with it, not to the Identity.
        var alias = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in nodes)
            if (node.OpType == "Identity" && node.Input.Count == 1 && node.Output.Count == 1 && floats.ContainsKey(node.Input[0]))
                alias[node.Output[0]] = node.Input[0];
        for (var n = 0; n < nodes.Count; n++)
        {
            layerNodes[nodeLayer[n]].Add(n);
            if (nodes[n].Output.Count == 1 && alias.ContainsKey(nodes[n].Output[0])) continue;
            foreach (var input in nodes[n].Input.Select(i => alias.GetValueOrDefault(i, i)))
                if (floats.ContainsKey(input) && claimed.Add(input)) owned[nodeLayer[n]].Add(input);
        }
        // An Identity copy nobody computes with still owns its source.
        for (var n = 0; n < nodes.Count; n++)
            if (nodes[n].Output.Count == 1 && alias.TryGetValue(nodes[n].Output[0], out var source) && claimed.Add(source))
                owned[nodeLayer[n]].Add(source);
        var inputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var layers = new BackboneLayerEntry[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var main = layerNodes[i].Select(n => nodes[n]).FirstOrDefault(n => n.Name == names[i])
                ?? (layerNodes[i].Count > 0 ? nodes[layerNodes[i][0]] : null);
            var type = types is not null && i < types.Length ? types[i]
                : main?.OpType ?? (inputs.Contains(names[i]) ? "Input" : "?");
            var output = main is { Output.Count: > 0 } ? main.Output[0] : inputs.Contains(names[i]) ? names[i] : null;
            layers[i] = new BackboneLayerEntry(i, names[i], type, layerNodes[i], owned[i], output, owned[i].Sum(name => floats[name]));
        }
        var (blocks, stages) = metadata is null ? Group(nodes, model, layers) : ([], []);
        return new BackboneLayers(layers, metadata is not null, unclaimed, blocks, stages);
    }

    /// <summary>Blocks and stages over one-layer-per-node layers (layer index = node index).</summary>
    private static (BackboneBlock[], BackboneStage[]) Group(IReadOnlyList<NodeProto> nodes, ModelProto model, BackboneLayerEntry[] layers)
    {
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        if (ModuleScopeBlocks.Find(nodes, initializers) is not { } found) return ([], []);
        var blocks = new BackboneBlock[found.BlockNames.Length];
        for (var b = 0; b < blocks.Length; b++)
        {
            var first = Array.IndexOf(found.NodeBlock, b);
            var count = found.NodeBlock.Count(x => x == b);
            blocks[b] = new BackboneBlock(b, found.BlockNames[b], found.BlockStage[b], first, count,
                layers.Skip(first).Take(count).Sum(l => l.Values));
        }
        var stages = found.StageNames.Select((name, s) =>
        {
            var members = blocks.Where(b => b.Stage == s).ToList();
            return new BackboneStage(s, name, members[0].Index, members.Count, members[0].FirstLayer);
        }).ToArray();
        return (blocks, stages);
    }

    /// <summary>Values in a tensor's shape (1 for a scalar).</summary>
    public static long Elements(TensorProto t) => t.Dims.Aggregate(1L, (a, d) => a * d);

    private static bool IsFloat(TensorProto t) => (TensorProto.Types.DataType)t.DataType is TensorProto.Types.DataType.Float
        or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16;

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

using Graft.FeatureCache.Backbones;
using Graft.FineTuner.Training;
using Graft.FineTuner.Conversion;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Layers;

/// <summary>
/// Which layers of a backbone train: the top N (<c>--train-top N</c>) or every layer from a named one on
/// (<c>--train-from NAME</c>), as Keras does with <c>layer.trainable</c> over <c>base.layers[-N:]</c>. Frozen layers'
/// parameters get no gradient, and their BatchNormalization runs in inference mode with fixed statistics, even while the
/// model trains (Keras's rule for trainable=False).
/// </summary>
public sealed class FreezePlan
{
    private readonly HashSet<string> _trainable;

    private FreezePlan(LayerList layers, int firstTrainable, OnnxGraphModule module, BackboneUnit unit = BackboneUnit.Layer, int units = 0)
    {
        Layers = layers;
        Unit = unit;
        TrainableUnits = units;
        FirstTrainableLayer = firstTrainable;
        var nodes = new bool[module.Nodes.Count];
        foreach (var layer in layers.Layers.Skip(firstTrainable))
            foreach (var n in layer.Nodes) nodes[n] = true;
        TrainableNodes = nodes;
        _trainable = layers.Layers.Skip(firstTrainable).SelectMany(l => l.Parameters).ToHashSet(StringComparer.Ordinal);
        long Size(string name) => module.Weight(name).numel();
        Counts = new ParameterCounts(
            _trainable.Sum(Size),
            module.ParameterInitializers.Where(p => !_trainable.Contains(p)).Sum(Size),
            module.StatisticInitializers.Sum(Size));
    }

    public LayerList Layers { get; }

    /// <summary>What the selection counted: layers, blocks or stages.</summary>
    public BackboneUnit Unit { get; }

    /// <summary>With <see cref="Unit"/> block or stage: how many of them train.</summary>
    public int TrainableUnits { get; }

    /// <summary>Index of the lowest trainable layer; <see cref="LayerList.Count"/> when the whole backbone is frozen.</summary>
    public int FirstTrainableLayer { get; }

    public int TrainableLayerCount => Layers.Count - FirstTrainableLayer;

    public int FrozenLayerCount => FirstTrainableLayer;

    /// <summary>Per node of the module: whether it belongs to a trainable layer.</summary>
    public IReadOnlyList<bool> TrainableNodes { get; }

    /// <summary>Initializer names whose Parameters train.</summary>
    public IReadOnlySet<string> TrainableParameters => _trainable;

    public ParameterCounts Counts { get; }

    /// <summary>Builds the plan from exactly one of <paramref name="trainTop"/> (counting <paramref name="unit"/>s:
    /// layers, or the model's blocks or stages as <see cref="BackboneLayers"/> finds them) and
    /// <paramref name="trainFrom"/> (a layer, block or stage name). Throws <see cref="GraftException"/> when both or
    /// neither are given, N is out of range, the model has no such units, or nothing has the name.</summary>
    public static FreezePlan Create(OnnxGraphModule module, LayerList layers, int? trainTop, string? trainFrom, BackboneUnit unit = BackboneUnit.Layer)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(layers);
        FineTuneOptions.RequireOneLayerSelection(trainTop, trainFrom, layers.Count);
        if (trainTop is { } n)
            return new FreezePlan(layers, layers.Table.FirstLayerOfTop(n, unit), module, unit, n);
        var index = layers.Table.FirstLayerOf(trainFrom!);
        if (index < 0)
        {
            var near = layers.Table.Stages.Select(s => s.Name).Concat(layers.Table.Blocks.Select(b => b.Name)).Concat(layers.Layers.Select(l => l.Name))
                .Where(name => name.Contains(trainFrom!, StringComparison.OrdinalIgnoreCase)).Distinct().Take(5).ToList();
            throw new GraftException($"The backbone has no layer{(layers.Table.Blocks.Count > 0 ? ", block or stage" : "")} named '{trainFrom}'.",
                near.Count > 0 ? $"Similar names: {string.Join(", ", near)}." : "List the layers with graft backbone layers NAME.");
        }
        return new FreezePlan(layers, index, module);
    }

    /// <summary>Sets requires_grad on every Parameter of the module and marks the trainable nodes.</summary>
    public void Apply(OnnxGraphModule module)
    {
        foreach (var name in module.ParameterInitializers)
            module.Weight(name).requires_grad = _trainable.Contains(name);
        module.SetTrainableNodes(TrainableNodes);
    }

    /// <summary>One line, e.g. "train the top 20 of 74 layers (from 'Convolution359'): 8,393,728 trainable, 2,782,784
    /// frozen, 9,600 BN statistics".</summary>
    public string Describe()
    {
        var from = FirstTrainableLayer < Layers.Count ? $" (from '{Layers.Layers[FirstTrainableLayer].Name}')" : "";
        var units = Unit == BackboneUnit.Layer ? ""
            : $"the top {TrainableUnits} of {Layers.Table.CountOf(Unit)} {BackboneLayers.Word(Unit)}s = ";
        return $"train {units}the top {TrainableLayerCount} of {Layers.Count} layers{from}: {Counts.Trainable:N0} trainable, " +
               $"{Counts.Frozen:N0} frozen, {Counts.Statistics:N0} BatchNorm statistics (non-trainable)";
    }
}

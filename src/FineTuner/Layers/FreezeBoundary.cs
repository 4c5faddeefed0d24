using Graft.FineTuner.Conversion;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Layers;

/// <summary>
/// The graph values where the frozen part of a backbone hands over to the trainable part. A node is "constant" when
/// it is frozen and all its inputs are the image, initializers or outputs of constant nodes: its value never changes
/// during fine-tuning, so (without augmentation) it can be computed once per image and cached. The boundary is every
/// constant value computed from the image that a non-constant node reads, plus the backbone output when it is itself
/// constant (nothing trains).
/// ResNet18's last stage has one boundary value; a NASNet cell two (its two inputs).
/// </summary>
public sealed class FreezeBoundary
{
    private FreezeBoundary(IReadOnlyList<string> values, IReadOnlyList<bool> constantNodes)
    {
        Values = values;
        ConstantNodes = constantNodes;
    }

    /// <summary>Boundary value names, in the order their producers run.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>Per node: computed from the image alone by frozen layers (the cached prefix).</summary>
    public IReadOnlyList<bool> ConstantNodes { get; }

    /// <summary>True when the boundary is the graph input itself (the bottom layer trains): nothing to cache.</summary>
    public bool IsInput(OnnxGraphModule module) => Values.Count == 1 && Values[0] == module.InputName;

    public static FreezeBoundary For(OnnxGraphModule module, FreezePlan plan)
    {
        var nodes = module.Nodes;
        var initializers = module.Source.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var constantValues = new HashSet<string>(StringComparer.Ordinal) { module.InputName };
        var producerIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        // Values that depend on the image. Weight-only arithmetic (torch's Identity copies of merged initializers,
        // Constant and shape nodes on them) is no boundary: the trainable part recomputes it for nothing, whereas
        // caching it would store a weight per image and feed it back with a batch axis.
        var fromImage = new HashSet<string>(StringComparer.Ordinal) { module.InputName };
        var constant = new bool[nodes.Count];
        for (var n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            constant[n] = !plan.TrainableNodes[n]
                && node.Input.All(i => i.Length == 0 || initializers.Contains(i) || constantValues.Contains(i));
            var imageDependent = node.Input.Any(fromImage.Contains);
            foreach (var o in node.Output.Where(o => o.Length > 0))
            {
                producerIndex[o] = n;
                if (constant[n]) constantValues.Add(o);
                if (imageDependent) fromImage.Add(o);
            }
        }
        var needed = Needed(module, producerIndex);
        var boundary = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 0; n < nodes.Count; n++)
            if (!constant[n] && needed[n])
                foreach (var i in nodes[n].Input.Where(i => i.Length > 0 && !initializers.Contains(i) && constantValues.Contains(i) && fromImage.Contains(i)))
                    boundary.Add(i);
        if (constantValues.Contains(module.OutputName)) boundary = [module.OutputName];
        var ordered = boundary.OrderBy(v => producerIndex.TryGetValue(v, out var p) ? p : -1).ThenBy(v => v, StringComparer.Ordinal).ToArray();
        return new FreezeBoundary(ordered, constant);
    }

    /// <summary>Nodes the backbone output depends on (other outputs' branches are ignored).</summary>
    private static bool[] Needed(OnnxGraphModule module, Dictionary<string, int> producer)
    {
        var needed = new bool[module.Nodes.Count];
        var stack = new Stack<string>([module.OutputName]);
        while (stack.Count > 0)
            if (producer.TryGetValue(stack.Pop(), out var n) && !needed[n])
            {
                needed[n] = true;
                foreach (var i in module.Nodes[n].Input) stack.Push(i);
            }
        return needed;
    }
}

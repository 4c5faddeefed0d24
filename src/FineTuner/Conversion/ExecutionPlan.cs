using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
namespace Graft.FineTuner.Conversion;

/// <summary>
/// Which nodes compute the wanted outputs from the given feeds, in graph order, and when each intermediate value is
/// used for the last time (its handle is disposed right after, keeping peak memory near one layer's activations).
/// Plans are cached per (feeds, outputs): the full forward, the frozen prefix up to the freeze boundary, the
/// trainable suffix from it.
/// </summary>
internal sealed class ExecutionPlan
{
    private ExecutionPlan(int[] nodes, string[][] releaseAfter)
    {
        Nodes = nodes;
        ReleaseAfter = releaseAfter;
    }

    /// <summary>Node indices (into the module's topologically sorted nodes) to run, in order.</summary>
    public int[] Nodes { get; }

    /// <summary>For step k of <see cref="Nodes"/>: the values no later step (nor the caller) needs.</summary>
    public string[][] ReleaseAfter { get; }

    public static ExecutionPlan Build(IReadOnlyList<global::Onnx.NodeProto> nodes, IReadOnlyDictionary<string, int> producer,
        ISet<string> constants, IReadOnlyCollection<string> feeds, IReadOnlyCollection<string> outputs)
    {
        var needed = new SortedSet<int>();
        var stack = new Stack<string>(outputs);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (stack.Count > 0)
        {
            var value = stack.Pop();
            if (value.Length == 0 || !seen.Add(value) || feeds.Contains(value) || constants.Contains(value)) continue;
            if (!producer.TryGetValue(value, out var node))
                throw new GraftException($"The ONNX graph value '{value}' is neither an input nor produced by any node.",
                    "Check the input and output names in the backbone descriptor.");
            if (!needed.Add(node)) continue;
            foreach (var input in nodes[node].Input) stack.Push(input);
        }

        var order = needed.ToArray();
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var k = 0; k < order.Length; k++)
        {
            var node = nodes[order[k]];
            foreach (var input in node.Input.Where(i => i.Length > 0 && !constants.Contains(i) && !feeds.Contains(i)))
                lastUse[input] = k;
            foreach (var output in node.Output.Where(o => o.Length > 0))
                lastUse.TryAdd(output, k); // produced but never consumed: released at once
        }
        var keep = new HashSet<string>(outputs, StringComparer.Ordinal);
        var release = new List<string>[order.Length];
        for (var k = 0; k < order.Length; k++) release[k] = [];
        foreach (var (value, k) in lastUse)
            if (!keep.Contains(value)) release[k].Add(value);
        return new ExecutionPlan(order, release.Select(r => r.ToArray()).ToArray());
    }
}

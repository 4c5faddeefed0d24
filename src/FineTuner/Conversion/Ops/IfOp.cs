using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX If: runs then_branch or else_branch by a one-element condition. torch.onnx writes one for every
/// <c>x.squeeze(d)</c> whose size it cannot prove at export time (opset ≥ 11: "squeeze only if the dimension is 1"),
/// so it appears in LRN, in view/squeeze-heavy heads and in models exported with dynamic shapes. Branches read values
/// of the enclosing graph by name; <see cref="WithOuterInputs"/> lists those as extra node inputs when the graph is
/// loaded, so the executor orders the producers before the If and keeps their values alive until it has run. Tensors
/// computed inside a branch flow through autograd like any other; initializers declared inside a branch are
/// constants.
/// </summary>
internal sealed class IfOp : OnnxOp
{
    private readonly Branch _then;
    private readonly Branch _else;
    private readonly string[] _outer;

    public IfOp(NodeAttributes a, int opset) : base(a.Node)
    {
        _outer = a.Node.Input.Skip(1).ToArray();
        _then = new Branch(Subgraph(a.Node, "then_branch"), opset);
        _else = new Branch(Subgraph(a.Node, "else_branch"), opset);
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var condition = Input(inputs, 0);
        if (condition.numel() != 1) throw new GraftException($"{Describe}: the condition has {condition.numel()} values, not one.");
        bool taken;
        using (var flag = condition.to(DeviceType.CPU).to_type(ScalarType.Bool)) taken = flag.item<bool>();
        var outer = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < _outer.Length; i++)
            if (inputs[i + 1] is { } t) outer[_outer[i]] = t;
        return (taken ? _then : _else).Run(outer, training, Describe);
    }

    /// <summary>The node as the executor sees it: an If gets the names its branches read from outside appended to its
    /// inputs (the ONNX file is not changed); any other node is returned as it is.</summary>
    public static NodeProto WithOuterInputs(NodeProto node)
    {
        if (node.OpType != "If") return node;
        var outer = node.Attribute.Where(a => a.G is not null).SelectMany(a => OuterReferences(a.G)).Distinct(StringComparer.Ordinal)
            .Where(n => !node.Input.Contains(n)).ToList();
        if (outer.Count == 0) return node;
        var copy = node.Clone();
        copy.Input.AddRange(outer);
        return copy;
    }

    /// <summary>Every node of <paramref name="nodes"/> and of the subgraphs in their attributes, at any depth.</summary>
    public static IEnumerable<NodeProto> WithSubgraphNodes(IEnumerable<NodeProto> nodes) =>
        nodes.SelectMany(n => new[] { n }.Concat(WithSubgraphNodes(n.Attribute.Where(a => a.G is not null).SelectMany(a => a.G.Node))));

    /// <summary>Names <paramref name="graph"/> (or a graph nested in it) reads but neither declares nor computes.</summary>
    private static IEnumerable<string> OuterReferences(GraphProto graph)
    {
        var local = new HashSet<string>(graph.Input.Select(i => i.Name).Concat(graph.Initializer.Select(i => i.Name)), StringComparer.Ordinal);
        var outer = new List<string>();
        foreach (var node in graph.Node)
        {
            var reads = node.Input.Concat(node.Attribute.Where(a => a.G is not null).SelectMany(a => OuterReferences(a.G)));
            outer.AddRange(reads.Where(n => n.Length > 0 && !local.Contains(n)));
            foreach (var o in node.Output.Where(o => o.Length > 0)) local.Add(o);
        }
        outer.AddRange(graph.Output.Select(o => o.Name).Where(n => !local.Contains(n)));
        return outer;
    }

    private static GraphProto Subgraph(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.G
        ?? throw new GraftException($"{DescribeNode(node)}: the {name} attribute is missing.");

    /// <summary>One branch, compiled once: its nodes in the order ONNX requires (topological), their ops, its constants.</summary>
    private sealed class Branch
    {
        private readonly NodeProto[] _nodes;
        private readonly OnnxOp[] _ops;
        private readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);
        private readonly string[] _outputs;

        public Branch(GraphProto graph, int opset)
        {
            _nodes = graph.Node.Select(WithOuterInputs).ToArray();
            _ops = _nodes.Select(n => OpFactory.Create(n, opset)).ToArray();
            foreach (var init in graph.Initializer) _constants[init.Name] = TensorProtoConversion.ToTensor(init);
            _outputs = graph.Output.Select(o => o.Name).ToArray();
        }

        public Tensor[] Run(IReadOnlyDictionary<string, Tensor> outer, bool training, string owner)
        {
            var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            Tensor Lookup(string name) =>
                values.TryGetValue(name, out var v) ? v : _constants.TryGetValue(name, out var c) ? c : outer.TryGetValue(name, out var o) ? o
                : throw new GraftException($"{owner}: its branch reads '{name}', which nothing computes.");
            try
            {
                for (var k = 0; k < _nodes.Length; k++)
                {
                    var node = _nodes[k];
                    var inputs = node.Input.Select(name => name.Length == 0 ? null : Lookup(name)).ToArray();
                    Tensor[] results;
                    try
                    {
                        results = _ops[k].Run(inputs, training);
                    }
                    catch (Exception e) when (e is not GraftException and not OperationCanceledException)
                    {
                        throw Failure(node, e);
                    }
                    for (var j = 0; j < results.Length; j++)
                    {
                        var result = results[j];
                        if (inputs.Any(i => ReferenceEquals(i, result))) result = result.alias(); // never two owners of one handle
                        if (j < node.Output.Count && node.Output[j].Length > 0 && !values.ContainsKey(node.Output[j])) values[node.Output[j]] = result;
                        else result.Dispose();
                    }
                }
                // Values the branch computed are handed over; a branch output that is a constant or an outer value is aliased.
                return _outputs.Select(o => values.Remove(o, out var v) ? v : Lookup(o).alias()).ToArray();
            }
            finally
            {
                foreach (var v in values.Values) v.Dispose();
            }
        }
    }
}

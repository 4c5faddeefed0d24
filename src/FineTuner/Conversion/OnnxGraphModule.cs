using System.Collections.Concurrent;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion;

/// <summary>
/// An ONNX graph as a trainable TorchSharp module: executes the nodes in topological order, with every float
/// initializer a <see cref="TorchSharp.Modules.Parameter"/> and BatchNormalization running statistics (and other
/// constants) as buffers, registered under the initializer's name ('.', '/' and other symbols become '_').
/// Input [N, C, H, W] float32 (whatever the graph declares for the batch: CNTK's fixed 1 is ignored); output the
/// graph value <see cref="OutputName"/>. Eval mode reproduces ONNX Runtime; train mode trains BatchNorm and Dropout
/// only in nodes marked trainable (<see cref="SetTrainableNodes"/>).
/// </summary>
public sealed class OnnxGraphModule : nn.Module<Tensor, Tensor>
{
    private readonly NodeProto[] _nodes;
    private readonly OnnxOp[] _ops;
    private readonly Dictionary<string, int> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _registered = new(StringComparer.Ordinal);
    private readonly HashSet<string> _constants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ExecutionPlan> _plans = new();
    private bool[] _trainableNodes;

    private OnnxGraphModule(OnnxModelFile file, string inputName, string outputName) : base("onnx_graph")
    {
        Source = file;
        InputName = inputName;
        OutputName = outputName;
        _nodes = TopologicalOrder(file.Graph.Node.Select(Ops.IfOp.WithOuterInputs).ToArray());
        for (var i = 0; i < _nodes.Length; i++)
            foreach (var o in _nodes[i].Output.Where(o => o.Length > 0))
                _producer[o] = i;
        OpFactory.CheckSupported(_nodes); // every unsupported operator at once, before any node is compiled
        Ops.CastLikeOp.CheckTargets(file.Graph, _nodes); // a bfloat16/string target is refused at load, not run as float32
        _ops = _nodes.Select(n => OpFactory.Create(n, file.Opset)).ToArray();
        _trainableNodes = new bool[_nodes.Length];

        var slots = ConsumerSlots(file.Graph);
        var parameters = new List<string>();
        var buffers = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var init in file.Graph.Initializer)
        {
            if (!_constants.Add(init.Name)) continue; // duplicate initializer names: first wins, as in ONNX Runtime
            var name = UniqueName(init.Name, used);
            _registered[init.Name] = name;
            var tensor = TensorProtoConversion.ToTensor(init);
            var consumers = slots.TryGetValue(init.Name, out var s) ? s : [];
            var isWeight = TensorProtoConversion.IsFloat(init) && consumers.Count > 0 && consumers.All(c => !OpFactory.IsConstantSlot(c.Op, c.Slot));
            var isStatistic = TensorProtoConversion.IsFloat(init) && consumers.Count > 0 && consumers.All(c => c.Op == "BatchNormalization" && c.Slot >= 3);
            if (isWeight)
            {
                register_parameter(name, new TorchSharp.Modules.Parameter(tensor, requires_grad: true));
                parameters.Add(init.Name);
            }
            else
            {
                register_buffer(name, tensor, persistent: isStatistic);
                if (isStatistic) buffers.Add(init.Name);
            }
        }
        ParameterInitializers = parameters;
        StatisticInitializers = buffers;
    }

    /// <summary>The model this module was built from (its protobuf is what write-back updates).</summary>
    public OnnxModelFile Source { get; }

    /// <summary>The graph input fed by <see cref="forward"/>.</summary>
    public string InputName { get; }

    /// <summary>The graph value <see cref="forward"/> returns.</summary>
    public string OutputName { get; }

    /// <summary>The graph's nodes in the order the module runs them (topological, stable w.r.t. the file).</summary>
    public IReadOnlyList<NodeProto> Nodes => _nodes;

    /// <summary>Names of the float initializers that are Parameters, in file order.</summary>
    public IReadOnlyList<string> ParameterInitializers { get; }

    /// <summary>Names of the BatchNormalization running mean/variance initializers (persistent buffers), in file order.</summary>
    public IReadOnlyList<string> StatisticInitializers { get; }

    /// <summary>Builds the module. <paramref name="inputName"/> defaults to the first graph input that is not an
    /// initializer, <paramref name="outputName"/> to the first graph output. Throws <see cref="GraftException"/>
    /// naming every unsupported operator (with counts and a first node each) and the supported ones.</summary>
    public static OnnxGraphModule Create(OnnxModelFile file, string? inputName = null, string? outputName = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var initializers = file.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var input = inputName ?? file.Graph.Input.FirstOrDefault(i => !initializers.Contains(i.Name))?.Name
            ?? throw new GraftException("The ONNX graph has no input.");
        if (file.Graph.Input.All(i => i.Name != input))
            throw new GraftException($"The ONNX graph has no input '{input}'.", $"Inputs: {string.Join(", ", file.Graph.Input.Select(i => i.Name))}.");
        var output = outputName ?? file.Graph.Output.FirstOrDefault()?.Name ?? throw new GraftException("The ONNX graph has no output.");
        return new OnnxGraphModule(file, input, output);
    }

    /// <summary>The ONNX nodes that compute <paramref name="outputs"/> from <paramref name="feeds"/>, in execution order
    /// (the plan <see cref="Run"/> follows), e.g. the frozen prefix up to the freeze boundary.</summary>
    public IReadOnlyList<global::Onnx.NodeProto> NodesComputing(IReadOnlyCollection<string> feeds, IReadOnlyList<string> outputs) =>
        PlanFor(feeds, outputs).Nodes.Select(i => _nodes[i]).ToArray();

    private ExecutionPlan PlanFor(IEnumerable<string> feeds, IReadOnlyList<string> outputs)
    {
        var key = string.Join('\u0001', feeds.Order(StringComparer.Ordinal)) + '\u0002' + string.Join('\u0001', outputs);
        return _plans.GetOrAdd(key, _ => ExecutionPlan.Build(_nodes, _producer, _constants, feeds.ToHashSet(StringComparer.Ordinal), outputs));
    }

    /// <summary>The module's current tensor for an initializer (Parameter or buffer; it moves with the module).</summary>
    public Tensor Weight(string initializerName)
    {
        if (!_registered.TryGetValue(initializerName, out var name)) throw new KeyNotFoundException($"No initializer '{initializerName}'.");
        return get_parameter(name) ?? get_buffer(name) ?? throw new KeyNotFoundException($"'{initializerName}' is not registered.");
    }

    /// <summary>Marks which nodes train (index = position in <see cref="Nodes"/>). Only marked nodes use batch
    /// statistics (BatchNormalization) or drop (Dropout) in training mode; the others always run as in inference.</summary>
    public void SetTrainableNodes(IReadOnlyList<bool> trainable)
    {
        if (trainable.Count != _nodes.Length) throw new ArgumentException($"Expected {_nodes.Length} flags, got {trainable.Count}.", nameof(trainable));
        _trainableNodes = trainable.ToArray();
    }

    /// <summary>When true, BatchNormalization uses its running statistics (and never updates them) even in trainable
    /// nodes of a training module; the scale and bias still train. Keras's fine-tuning guide keeps BatchNormalization
    /// in inference mode when the base is unfrozen, since batch statistics of small fine-tuning batches wreck what the
    /// base learned; false is Keras's layer rule (a trainable BatchNormalization layer trains with batch statistics).</summary>
    public bool FreezeNormStatistics { get; set; }

    /// <summary>Runs the whole graph: [N,C,H,W] in, the output value out.</summary>
    public override Tensor forward(Tensor input) => Run(new Dictionary<string, Tensor> { [InputName] = input }, [OutputName])[0];

    /// <summary>
    /// Runs the part of the graph that computes <paramref name="outputs"/> from <paramref name="feeds"/> (graph input
    /// or any intermediate values, e.g. cached activations at the freeze boundary). The caller keeps ownership of the
    /// feeds and receives new handles for the outputs; intermediates are disposed after their last use.
    /// </summary>
    public IReadOnlyList<Tensor> Run(IReadOnlyDictionary<string, Tensor> feeds, IReadOnlyList<string> outputs)
    {
        var plan = PlanFor(feeds.Keys, outputs);
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var training = this.training;
        var device = feeds.Values.FirstOrDefault()?.device;
        try
        {
            for (var k = 0; k < plan.Nodes.Length; k++)
            {
                var index = plan.Nodes[k];
                var node = _nodes[index];
                var inputs = new Tensor?[node.Input.Count];
                for (var i = 0; i < inputs.Length; i++)
                {
                    var name = node.Input[i];
                    if (name.Length == 0) continue;
                    inputs[i] = feeds.TryGetValue(name, out var fed) ? fed : values.TryGetValue(name, out var v) ? v : Weight(name);
                }
                var nodeTraining = training && _trainableNodes[index] && !(FreezeNormStatistics && node.OpType == "BatchNormalization");
                Tensor[] results;
                try
                {
                    results = _ops[index].Run(inputs, nodeTraining);
                }
                catch (Exception e) when (e is not GraftException and not OperationCanceledException)
                {
                    // libtorch errors (a shape mismatch, an empty reduction…) surface naming the node, never raw.
                    throw OnnxOp.Failure(node, e);
                }
                if (node.OpType is "Constant" or "ConstantOfShape" or "Range" && device is not null && device.type != DeviceType.CPU && results[0].is_floating_point())
                {
                    // Constant, ConstantOfShape and Range build on the CPU; float ones take part in arithmetic on the model's device.
                    var moved = results[0].to(device);
                    results[0].Dispose();
                    results[0] = moved;
                }
                for (var j = 0; j < results.Length; j++)
                {
                    var result = results[j];
                    if (inputs.Any(i => ReferenceEquals(i, result))) result = result.alias(); // never two owners of one handle
                    if (j < node.Output.Count && node.Output[j].Length > 0 && !values.ContainsKey(node.Output[j])) values[node.Output[j]] = result;
                    else result.Dispose();
                }
                foreach (var name in plan.ReleaseAfter[k])
                    if (values.Remove(name, out var dead)) dead.Dispose();
            }
            return outputs.Select(o => feeds.TryGetValue(o, out var fed) ? fed.alias()
                : values.Remove(o, out var v) ? v : throw new InvalidOperationException($"Output '{o}' was not computed.")).ToArray();
        }
        finally
        {
            foreach (var v in values.Values) v.Dispose();
        }
    }

    private static Dictionary<string, List<(string Op, int Slot)>> ConsumerSlots(GraphProto graph)
    {
        var slots = new Dictionary<string, List<(string, int)>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (!slots.TryGetValue(node.Input[i], out var list)) slots[node.Input[i]] = list = [];
                list.Add((node.OpType, i));
            }
        return slots;
    }

    private static string UniqueName(string initializer, HashSet<string> used)
    {
        var chars = initializer.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
        var name = chars.Length == 0 ? "w" : new string(chars);
        if (char.IsAsciiDigit(name[0])) name = "w_" + name;
        var unique = name;
        for (var n = 2; !used.Add(unique); n++) unique = $"{name}_{n}";
        return unique;
    }

    /// <summary>Kahn's algorithm, taking nodes in file order whenever several are ready (so a valid file keeps its order).</summary>
    private static NodeProto[] TopologicalOrder(NodeProto[] nodes)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Length; i++)
            foreach (var o in nodes[i].Output.Where(o => o.Length > 0)) producer[o] = i;
        var pending = new int[nodes.Length];
        var consumers = new List<int>[nodes.Length];
        for (var i = 0; i < nodes.Length; i++) consumers[i] = [];
        for (var i = 0; i < nodes.Length; i++)
            foreach (var input in nodes[i].Input.Distinct())
                if (producer.TryGetValue(input, out var p) && p != i)
                {
                    pending[i]++;
                    consumers[p].Add(i);
                }
        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < nodes.Length; i++) if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<NodeProto>(nodes.Length);
        while (ready.TryDequeue(out var i, out _))
        {
            order.Add(nodes[i]);
            foreach (var c in consumers[i]) if (--pending[c] == 0) ready.Enqueue(c, c);
        }
        if (order.Count != nodes.Length) throw new GraftException("The ONNX graph has a cycle.");
        return order.ToArray();
    }
}

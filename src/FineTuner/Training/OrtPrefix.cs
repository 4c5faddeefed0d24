using Graft.FineTuner.Conversion;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Graft.FineTuner.Training;

/// <summary>
/// The frozen prefix of a backbone — the nodes that compute the freeze-boundary values from the input — cut out of the
/// ONNX graph and run with ONNX Runtime, to fill the boundary cache. Why not the TorchSharp module: the prefix never
/// trains, and on the CPU ONNX Runtime runs it several times faster (NASNetLarge's bottom 700 layers: ORT ~4.5 images/s
/// for the whole network vs TorchSharp ~1.3). The cut graph takes any batch size and has the boundary values as its
/// outputs; initializers it does not read are dropped.
/// </summary>
internal sealed class OrtPrefix : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _input;
    private readonly string[] _outputs;

    private OrtPrefix(InferenceSession session, string input, string[] outputs) => (_session, _input, _outputs) = (session, input, outputs);

    public static OrtPrefix Create(string modelPath, string inputName, IReadOnlyList<string> boundary, int threads)
    {
        var model = OnnxModelFile.Load(modelPath).Model;
        Cut(model.Graph, inputName, boundary);
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        try
        {
            return new OrtPrefix(new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model), options), inputName, [.. boundary]);
        }
        finally
        {
            options.Dispose();
        }
    }

    /// <summary>Keeps the nodes the boundary values depend on, makes those values the outputs and the batch dimension
    /// of the input symbolic; value_info is dropped (exporters often record the batch as a fixed 1).</summary>
    internal static void Cut(GraphProto graph, string inputName, IReadOnlyList<string> boundary)
    {
        var producer = new Dictionary<string, NodeProto>();
        foreach (var node in graph.Node)
            foreach (var output in node.Output) producer[output] = node;
        var needed = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>(boundary);
        var seen = new HashSet<string>();
        while (pending.Count > 0)
        {
            var value = pending.Pop();
            if (!seen.Add(value) || !producer.TryGetValue(value, out var node) || !needed.Add(node)) continue;
            foreach (var input in node.Input.Where(i => i.Length > 0)) pending.Push(input);
        }
        var kept = graph.Node.Where(needed.Contains).ToList();
        var read = kept.SelectMany(n => n.Input).ToHashSet();
        var initializers = graph.Initializer.Where(t => read.Contains(t.Name)).ToList();
        var inputs = graph.Input.Where(i => i.Name == inputName || read.Contains(i.Name)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
        var image = inputs.FirstOrDefault(i => i.Name == inputName)
            ?? throw new GraftException($"The backbone has no input '{inputName}'.");
        if (image.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape)
            shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "batch" };
        graph.ValueInfo.Clear();
        graph.Output.Clear();
        foreach (var value in boundary)
            graph.Output.Add(new ValueInfoProto
            {
                Name = value,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
    }

    /// <summary>Boundary values of a batch: per value, the shape without the batch dimension and the batch's floats.</summary>
    public (long[] Shape, float[] Values)[] Run(float[] data, long[] inputShape)
    {
        var length = (int)inputShape.Aggregate(1L, (a, b) => a * b);
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data.AsMemory(0, length), inputShape);
        using var run = new RunOptions();
        using var results = _session.Run(run, [_input], [input], _outputs);
        return results.Select(r => (r.GetTensorTypeAndShape().Shape[1..], r.GetTensorDataAsSpan<float>().ToArray())).ToArray();
    }

    public void Dispose() => _session.Dispose();
}

using Graft.FeatureCache.Backbones;
using Graft.FineTuner.Conversion;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;
using Graft.FeatureCache.Onnx;

namespace Graft.FineTuner.Training.Boundary;

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

    /// <summary>The prefix of <paramref name="backbone"/>'s graph that computes <paramref name="boundary"/>, in an ONNX
    /// Runtime session (a copy of the module's parsed model: no second read of the file).</summary>
    public static OrtPrefix Create(OnnxGraphModule backbone, IReadOnlyList<string> boundary, int threads)
    {
        var model = backbone.Source.Model.Clone();
        Cut(model.Graph, backbone.InputName, boundary, backbone.NodesComputing([backbone.InputName], boundary));
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        try
        {
            return new OrtPrefix(OrtSessionFactory.Open(Google.Protobuf.MessageExtensions.ToByteArray(model), options, "the frozen prefix of the backbone"), backbone.InputName, [.. boundary]);
        }
        finally
        {
            options.Dispose();
        }
    }

    /// <summary>Keeps <paramref name="nodes"/> (those the boundary values depend on, in order), makes those values the
    /// outputs and the batch dimension of the input symbolic; value_info is dropped (exporters often record the batch
    /// as a fixed 1).</summary>
    internal static void Cut(GraphProto graph, string inputName, IReadOnlyList<string> boundary, IReadOnlyList<NodeProto> nodes)
    {
        var read = nodes.SelectMany(n => n.Input).ToHashSet();
        var initializers = graph.Initializer.Where(t => read.Contains(t.Name)).ToList();
        var inputs = graph.Input.Where(i => i.Name == inputName || read.Contains(i.Name)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
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

using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion;

/// <summary>
/// One ONNX node compiled for TorchSharp: attributes parsed once at build time, <see cref="Run"/> called per forward.
/// Every output is a new tensor handle (never an input's handle), so the executor may dispose inputs after their last
/// use without touching outputs.
/// </summary>
internal abstract class OnnxOp
{
    protected OnnxOp(NodeProto node) => Node = node;

    public NodeProto Node { get; }

    /// <summary>"Conv node 'Convolution249'" — for error messages.</summary>
    public string Describe => DescribeNode(Node);

    /// <summary>Computes the node's outputs.</summary>
    /// <param name="inputs">One entry per node input; null where an optional input is omitted ("").</param>
    /// <param name="training">True when the module is in training mode and the node's layer is trainable
    /// (BatchNormalization then uses and updates batch statistics; Dropout drops).</param>
    /// <returns>Outputs in node-output order; trailing optional outputs may be missing.</returns>
    public abstract Tensor[] Run(Tensor?[] inputs, bool training);

    public static string DescribeNode(NodeProto node) =>
        string.IsNullOrEmpty(node.Name) ? $"{node.OpType} node (output '{node.Output.FirstOrDefault()}')" : $"{node.OpType} node '{node.Name}'";

    /// <summary>A failure inside libtorch/TorchSharp (or any non-Graft exception) while building or running
    /// <paramref name="node"/>, as a <see cref="GraftException"/> naming the node and operator, with the first line
    /// of the underlying message (libtorch appends its C++ stack).</summary>
    public static GraftException Failure(NodeProto node, Exception inner)
    {
        var line = inner.Message.Split('\n')[0].Trim();
        if (line.Length > 240) line = line[..240] + "…";
        return new GraftException($"{DescribeNode(node)} failed: {line}",
            "The node's inputs or attributes are outside what the converter handles; check the model with ONNX Runtime.", inner);
    }

    protected GraftException Unsupported(string what) =>
        new($"{Describe}: {what} is not supported by the fine-tuner's ONNX converter.",
            "Re-export the model with a different opset or simpler operators, or fine-tune with fewer layers unfrozen.");

    protected Tensor Input(Tensor?[] inputs, int index) =>
        index < inputs.Length && inputs[index] is { } t ? t : throw new GraftException($"{Describe}: required input {index} is missing.");

    protected static Tensor? Optional(Tensor?[] inputs, int index) => index < inputs.Length ? inputs[index] : null;

    /// <summary>The values of a small integer tensor (shape, axes, pads) on the CPU.</summary>
    protected static long[] Longs(Tensor t) => Storage.TensorValues.Longs(t);

    /// <summary>A scalar float value (Clip bounds, Pad value, Dropout ratio).</summary>
    protected static float Scalar(Tensor t) => t.numel() == 0 ? 0f : Storage.TensorValues.Floats(t)[0];

    /// <summary>Normalises a possibly negative axis for rank <paramref name="rank"/>.</summary>
    protected long Axis(long axis, long rank)
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new GraftException($"{Describe}: axis {axis} is out of range for rank {rank}.");
        return a;
    }
}

/// <summary>A single-output node given as a function of its inputs and the training flag.</summary>
internal sealed class FuncOp : OnnxOp
{
    private readonly Func<Tensor?[], bool, Tensor> _run;

    public FuncOp(NodeProto node, Func<Tensor?[], bool, Tensor> run) : base(node) => _run = run;

    public override Tensor[] Run(Tensor?[] inputs, bool training) => [_run(inputs, training)];
}

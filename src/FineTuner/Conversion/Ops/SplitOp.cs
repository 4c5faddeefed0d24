using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX Split along an axis (default 0). Part sizes come from the 'split' attribute (opset &lt; 13) or the second input
/// (opset ≥ 13); without them the axis is divided into as many parts as the node has outputs (or num_outputs, opset
/// 18) — equal parts, the last one smaller when the size does not divide (ceil-sized parts, as ONNX 18 specifies).
/// </summary>
internal sealed class SplitOp : OnnxOp
{
    private readonly long _axis;
    private readonly long[]? _split;
    private readonly int _parts;

    public SplitOp(NodeAttributes a, int opset) : base(a.Node)
    {
        _axis = a.Int("axis", 0);
        _split = a.Ints("split");
        _parts = (int)a.Int("num_outputs", a.Node.Output.Count);
        if (_parts <= 0) throw new GraftException($"{Describe}: Split has no outputs.");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var axis = Axis(_axis, x.dim());
        var size = x.shape[axis];
        var sizes = Optional(inputs, 1) is { } s && s.numel() > 0 ? Longs(s) : _split is { Length: > 0 } ? _split : EqualParts(size);
        if (sizes.Any(p => p < 0) || sizes.Sum() != size)
            throw new GraftException($"{Describe}: split sizes [{string.Join(", ", sizes)}] do not add up to the axis size {size}.");
        return x.split(sizes, axis);
    }

    private long[] EqualParts(long size)
    {
        var part = (size + _parts - 1) / _parts;
        var sizes = new long[_parts];
        var left = size;
        for (var i = 0; i < _parts; i++)
        {
            sizes[i] = Math.Min(part, left);
            left -= sizes[i];
        }
        return sizes;
    }
}

using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Softmax / LogSoftmax. Opset ≥ 13: over one axis (default −1). Before 13 the input is viewed as 2-D
/// [prod(d0…d(axis−1)), prod(d(axis)…)] (default axis 1) and normalised over the second dimension.</summary>
internal sealed class SoftmaxOp : OnnxOp
{
    private readonly long _axis;
    private readonly bool _legacy;
    private readonly bool _log;

    public SoftmaxOp(NodeAttributes a, int opset, bool log) : base(a.Node)
    {
        _legacy = opset < 13;
        _axis = a.Int("axis", _legacy ? 1 : -1);
        _log = log;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var axis = Axis(_axis, x.dim());
        if (!_legacy || axis == x.dim() - 1)
            return [_log ? x.log_softmax(axis) : x.softmax(axis)];
        var outer = x.shape.Take((int)axis).Aggregate(1L, (p, d) => p * d);
        using var flat = x.reshape(outer, -1);
        using var y = _log ? flat.log_softmax(1) : flat.softmax(1);
        return [y.reshape(x.shape)];
    }
}

using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX Dropout: identity in inference; drops with the exported ratio (attribute, or input 1 from opset 12) when the
/// module trains and the node's layer is trainable. The optional mask output (opset-9 exports such as SqueezeNet and
/// VGG name it even though nothing reads it) is all true in inference and the kept elements in training. A graph that
/// asks for dropout at inference (training_mode input true, opset 12+) is refused unless the ratio is 0: its output
/// would be random.
/// </summary>
internal sealed class DropoutOp : OnnxOp
{
    private readonly float _ratio;
    private readonly bool _mask;

    public DropoutOp(NodeAttributes a) : base(a.Node)
    {
        _ratio = a.Float("ratio", 0.5f);
        _mask = a.Node.Output.Count > 1 && !string.IsNullOrEmpty(a.Node.Output[1]);
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var ratio = Optional(inputs, 1) is { } r ? Scalar(r) : _ratio;
        if (!training && Optional(inputs, 2) is { } mode && Longs(mode)[0] != 0 && ratio != 0f)
            throw Unsupported("Dropout with training_mode = true at inference (a random output)");
        if (!training || ratio == 0f)
            return _mask ? [x.alias(), ones(x.shape, ScalarType.Bool, x.device)] : [x.alias()];
        if (!_mask) return [F.dropout(x, ratio, training: true)];
        using var keep = rand(x.shape, ScalarType.Float32, x.device).ge(ratio);
        using var kept = x.mul(keep);
        return [kept.div(1.0 - ratio), keep.alias()];
    }
}

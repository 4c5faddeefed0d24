using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Dropout: identity in inference; drops with the exported ratio (attribute, or input 1 from opset 12)
/// when the module trains and the node's layer is trainable. The optional mask output is not supported.</summary>
internal sealed class DropoutOp : OnnxOp
{
    private readonly float _ratio;

    public DropoutOp(NodeAttributes a) : base(a.Node)
    {
        _ratio = a.Float("ratio", 0.5f);
        if (a.Node.Output.Count > 1 && !string.IsNullOrEmpty(a.Node.Output[1])) throw Unsupported("the mask output of Dropout");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (!training) return [x.alias()];
        var ratio = Optional(inputs, 1) is { } r ? Scalar(r) : _ratio;
        return [F.dropout(x, ratio, training: true)];
    }
}

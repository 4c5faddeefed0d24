using TorchSharp;
using static TorchSharp.torch;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Clip (ReLU6 in torchvision exports): bounds from min/max attributes (opset &lt; 11) or optional
/// scalar inputs.</summary>
internal sealed class ClipOp : OnnxOp
{
    private readonly float? _min;
    private readonly float? _max;

    public ClipOp(NodeAttributes a) : base(a.Node)
    {
        _min = a.Has("min") ? a.Float("min", 0) : null;
        _max = a.Has("max") ? a.Float("max", 0) : null;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        float? min = Optional(inputs, 1) is { } lo ? Scalar(lo) : _min;
        float? max = Optional(inputs, 2) is { } hi ? Scalar(hi) : _max;
        if (min is null && max is null) return [x.alias()];
        if (min == 0f && max is null) return [x.relu()];
        return [x.clamp(min is { } mn ? (Scalar)mn : null, max is { } mx ? (Scalar)mx : null)];
    }
}

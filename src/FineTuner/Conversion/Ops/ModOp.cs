using static TorchSharp.torch;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX Mod: the remainder of an element-wise division. fmod=0 (integers only) takes the divisor's sign, like Python's
/// %; fmod=1 takes the dividend's, like C's fmod. torch exports Swin's window padding arithmetic
/// ((window - W % window) % window) as Mod on shape values.
/// </summary>
internal sealed class ModOp : OnnxOp
{
    private readonly bool _fmod;

    public ModOp(NodeAttributes a) : base(a.Node) => _fmod = a.Int("fmod", 0) == 1;

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var y = Input(inputs, 1);
        if (!_fmod && (x.is_floating_point() || y.is_floating_point()))
            throw Unsupported("Mod with fmod=0 on floating-point values (ONNX requires fmod=1 there)");
        return [_fmod ? x.fmod(y) : x.remainder(y)];
    }
}

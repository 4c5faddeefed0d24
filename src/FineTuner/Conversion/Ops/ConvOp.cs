using Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Conv (2-D): groups (depthwise when group = channels), bias, dilations, strides, explicit or auto
/// padding. Asymmetric padding is applied with F.pad before a convolution without padding. The convolution itself is
/// <see cref="CheckedConvolution"/>: libtorch's kernel where it was checked to compute correctly on this host.</summary>
internal sealed class ConvOp : OnnxOp
{
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly long[]? _pads;
    private readonly string _autoPad;
    private readonly long _group;

    public ConvOp(NodeAttributes a) : base(a.Node)
    {
        _strides = a.Ints("strides") ?? [1, 1];
        _dilations = a.Ints("dilations") ?? [1, 1];
        _pads = a.Ints("pads");
        _autoPad = a.String("auto_pad", "NOTSET");
        _group = a.Int("group", 1);
        var kernel = a.Ints("kernel_shape");
        if (kernel is not null && kernel.Length != 2 || _strides.Length != 2 || _dilations.Length != 2 || _pads is not null && _pads.Length != 4)
            throw Unsupported("a convolution that is not 2-D");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var w = Input(inputs, 1);
        var b = Optional(inputs, 2);
        if (x.dim() != 4) throw Unsupported($"Conv on a rank-{x.dim()} input");
        var pad = SpatialPadding.Resolve(_autoPad, _pads, x.shape[2], x.shape[3], [w.shape[2], w.shape[3]], _strides, _dilations);
        if (pad.IsSymmetric)
            return [CheckedConvolution.Conv2d(x, w, b, _strides, [pad.Top, pad.Left], _dilations, _group)];
        using var padded = F.pad(x, pad.TorchPadOrder);
        return [CheckedConvolution.Conv2d(padded, w, b, _strides, [0, 0], _dilations, _group)];
    }
}

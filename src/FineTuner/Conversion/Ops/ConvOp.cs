using Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Conv over 1, 2 or 3 spatial dimensions: groups (depthwise when group = channels), bias, dilations,
/// strides, explicit or auto padding. Asymmetric padding is applied with F.pad before a convolution without padding.
/// 2-D convolutions (and 1-D ones, run as 2-D over a height of 1) go through <see cref="CheckedConvolution"/>:
/// libtorch's kernel where it was checked to compute correctly on this host. Channel counts are checked first, so a
/// mismatched graph fails with the node's name.</summary>
internal sealed class ConvOp : OnnxOp
{
    private readonly long[]? _strides;
    private readonly long[]? _dilations;
    private readonly long[]? _pads;
    private readonly string _autoPad;
    private readonly long _group;

    public ConvOp(NodeAttributes a) : base(a.Node)
    {
        _strides = a.Ints("strides");
        _dilations = a.Ints("dilations");
        _pads = a.Ints("pads");
        _autoPad = a.String("auto_pad", "NOTSET");
        _group = a.Int("group", 1);
        if (_group <= 0) throw new GraftException($"{Describe}: group {_group} is not positive.");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var w = Input(inputs, 1);
        var b = Optional(inputs, 2);
        var spatial = (int)x.dim() - 2;
        if (spatial is < 1 or > 3) throw Unsupported($"Conv on a rank-{x.dim()} input");
        if (w.dim() != x.dim() || x.shape[1] != w.shape[1] * _group || w.shape[0] % _group != 0 || b is not null && b.numel() != w.shape[0])
            throw new GraftException($"{Describe}: input [{string.Join(", ", x.shape)}], weight [{string.Join(", ", w.shape)}] and group {_group} do not fit.");
        var strides = _strides ?? Enumerable.Repeat(1L, spatial).ToArray();
        var dilations = _dilations ?? Enumerable.Repeat(1L, spatial).ToArray();
        if (strides.Length != spatial || dilations.Length != spatial || _pads is not null && _pads.Length != 2 * spatial)
            throw new GraftException($"{Describe}: strides, dilations and pads do not match {spatial} spatial dimensions.");
        if (spatial == 1)
        {
            // [N, C, L] as [N, C, 1, L]: a unit height adds no window, padding or stride.
            using var x2 = x.unsqueeze(2);
            using var w2 = w.unsqueeze(2);
            long[]? pads2 = _pads is { } p ? [0, p[0], 0, p[1]] : null;
            using var y2 = Conv2d(x2, w2, b, [1, strides[0]], [1, dilations[0]], pads2);
            return [y2.squeeze(2)];
        }
        if (spatial == 2) return [Conv2d(x, w, b, strides, dilations, _pads)];
        return [Conv3d(x, w, b, strides, dilations)];
    }

    private Tensor Conv2d(Tensor x, Tensor w, Tensor? b, long[] strides, long[] dilations, long[]? pads)
    {
        var pad = SpatialPadding.Resolve(_autoPad, pads, x.shape[2], x.shape[3], [w.shape[2], w.shape[3]], strides, dilations);
        if (pad.IsSymmetric)
            return CheckedConvolution.Conv2d(x, w, b, strides, [pad.Top, pad.Left], dilations, _group);
        using var padded = F.pad(x, pad.TorchPadOrder);
        return CheckedConvolution.Conv2d(padded, w, b, strides, [0, 0], dilations, _group);
    }

    /// <summary>3-D: explicit pads (or auto_pad, resolved per axis as ONNX's SAME rule) through F.pad, then conv3d.</summary>
    private Tensor Conv3d(Tensor x, Tensor w, Tensor? b, long[] strides, long[] dilations)
    {
        var begin = new long[3];
        var end = new long[3];
        for (var i = 0; i < 3; i++)
        {
            if (_autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                var size = x.shape[i + 2];
                var output = (size + strides[i] - 1) / strides[i];
                var total = Math.Max(0, (output - 1) * strides[i] + (w.shape[i + 2] - 1) * dilations[i] + 1 - size);
                (begin[i], end[i]) = _autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2);
            }
            else if (_autoPad is "NOTSET" or "" && _pads is { } p)
            {
                (begin[i], end[i]) = (p[i], p[i + 3]);
            }
        }
        var pointwise = w.shape[2] == 1 && w.shape[3] == 1 && w.shape[4] == 1 && strides.Any(s => s > 1);
        if (begin.SequenceEqual(end) && !(pointwise && begin.Any(p => p != 0)))
            return pointwise ? StridedPointwise3d(x, w, b, strides) : F.conv3d(x, w, b, strides, begin, dilations, _group);
        using var padded = F.pad(x, [begin[2], end[2], begin[1], end[1], begin[0], end[0]]);
        return pointwise ? StridedPointwise3d(padded, w, b, strides) : F.conv3d(padded, w, b, strides, new long[3], dilations, _group);
    }

    /// <summary>1×1×1 with a stride: every s-th voxel, then stride 1 — as CheckedConvolution does in 2-D, away from
    /// libtorch's strided pointwise backward-data kernel that dies with SIGFPE on AMD Zen 5.</summary>
    private Tensor StridedPointwise3d(Tensor x, Tensor w, Tensor? b, long[] strides)
    {
        using var sampled = x[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(null, null, strides[0]),
            TensorIndex.Slice(null, null, strides[1]), TensorIndex.Slice(null, null, strides[2])];
        return F.conv3d(sampled, w, b, [1, 1, 1], new long[3], [1, 1, 1], _group);
    }
}

using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX ConvTranspose over 1, 2 or 3 spatial dimensions (segmentation decoders, FCN/U-Net upsampling): groups,
/// strides, dilations, pads (asymmetric too), output_padding, output_shape and auto_pad. Computed as the full
/// transposed convolution (no padding), zero-extended by output_padding at the end, then cropped by the begin/end pads,
/// then the bias added — the definition, so every pad combination matches ONNX Runtime. W [C_in, C_out/group, k…] and
/// B are trainable.
/// </summary>
internal sealed class ConvTransposeOp : OnnxOp
{
    private readonly long[]? _strides;
    private readonly long[]? _dilations;
    private readonly long[]? _pads;
    private readonly long[]? _outputPadding;
    private readonly long[]? _outputShape;
    private readonly string _autoPad;
    private readonly long _group;

    public ConvTransposeOp(NodeAttributes a) : base(a.Node)
    {
        _strides = a.Ints("strides");
        _dilations = a.Ints("dilations");
        _pads = a.Ints("pads");
        _outputPadding = a.Ints("output_padding");
        _outputShape = a.Ints("output_shape");
        _autoPad = a.String("auto_pad", "NOTSET");
        _group = a.Int("group", 1);
        if (_autoPad is not ("NOTSET" or "" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
            throw Unsupported($"auto_pad '{_autoPad}'");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var w = Input(inputs, 1);
        var b = Optional(inputs, 2);
        var spatial = (int)x.dim() - 2;
        if (spatial is < 1 or > 3) throw Unsupported($"ConvTranspose on a rank-{x.dim()} input");
        var strides = _strides ?? Enumerable.Repeat(1L, spatial).ToArray();
        var dilations = _dilations ?? Enumerable.Repeat(1L, spatial).ToArray();
        var outputPadding = _outputPadding ?? new long[spatial];
        if (strides.Length != spatial || dilations.Length != spatial || outputPadding.Length != spatial)
            throw new GraftException($"{Describe}: strides, dilations and output_padding must have {spatial} values.");

        using var scope = NewDisposeScope();
        // A 1×1 kernel with stride s: the stride-1 result with s − 1 zeros between pixels. libtorch 2.10's own strided
        // 1×1 kernel (the backward-data kernel of the strided convolution) dies with SIGFPE on AMD Zen 5 from 1 024
        // channels up; see CheckedConvolution.
        var pointwise = Enumerable.Range(2, spatial).All(d => w.shape[d] == 1) && strides.Any(s => s > 1);
        var full = pointwise ? SpreadOut(Transposed(x, w, spatial, Enumerable.Repeat(1L, spatial).ToArray(), dilations), strides)
            : Transposed(x, w, spatial, strides, dilations);
        var begin = new long[spatial];
        var end = new long[spatial];
        for (var i = 0; i < spatial; i++)
        {
            var fullSize = full.shape[i + 2];
            long? target = _outputShape is { } shape ? shape[shape.Length - spatial + i]
                : _autoPad is "SAME_UPPER" or "SAME_LOWER" ? x.shape[i + 2] * strides[i] : null;
            if (target is { } size)
            {
                // ONNX Runtime: total padding max(0, full + output_padding − target), split by auto_pad; a target
                // beyond the full result is reached with zeros at the end.
                var total = Math.Max(0, fullSize + outputPadding[i] - size);
                SplitPad(total, upper: _autoPad == "SAME_UPPER", out begin[i], out _);
                end[i] = fullSize + outputPadding[i] - begin[i] - size;
            }
            else if (_pads is { } p && _autoPad is "NOTSET" or "")
            {
                if (p.Length != 2 * spatial) throw new GraftException($"{Describe}: pads must have {2 * spatial} values.");
                (begin[i], end[i]) = (p[i], p[i + spatial]);
            }
        }
        // Zero rows for output_padding (no input reaches them), then crop; negative pads (an output_shape larger
        // than the full result) extend with zeros.
        var result = full;
        for (var i = 0; i < spatial; i++)
        {
            var dim = i + 2;
            var extendEnd = outputPadding[i] - end[i];
            var cropBegin = begin[i];
            if (cropBegin < 0) { result = PadDim(result, dim, -cropBegin, 0); cropBegin = 0; }
            if (extendEnd > 0) result = PadDim(result, dim, 0, extendEnd);
            var length = result.shape[dim] - cropBegin - Math.Max(0, -extendEnd);
            if (length < 0) throw new GraftException($"{Describe}: the pads remove more than the whole output.");
            result = result.narrow(dim, cropBegin, length);
        }
        if (b is not null)
        {
            var shape = new long[result.dim()];
            Array.Fill(shape, 1L);
            shape[1] = -1;
            result = result.add(b.reshape(shape));
        }
        return [result.contiguous().MoveToOuterDisposeScope()];
    }

    private Tensor Transposed(Tensor x, Tensor w, int spatial, long[] strides, long[] dilations) => spatial switch
    {
        1 => F.conv_transpose1d(x, w, null, strides[0], 0, 0, dilations[0], _group),
        2 => F.conv_transpose2d(x, w, null, strides, new long[2], new long[2], dilations, _group),
        _ => F.conv_transpose3d(x, w, null, strides, new long[3], new long[3], dilations, _group),
    };

    /// <summary>Inserts stride − 1 zeros between neighbouring pixels of each spatial axis: n → (n − 1)·s + 1.
    /// Differentiable (unsqueeze, pad, reshape, narrow); runs inside the caller's dispose scope.</summary>
    private static Tensor SpreadOut(Tensor y, long[] strides)
    {
        for (var i = 0; i < strides.Length; i++)
        {
            var axis = i + 2;
            var s = strides[i];
            if (s == 1) continue;
            var n = y.shape[axis];
            var unit = y.unsqueeze(axis + 1);
            var pads = new long[2 * ((int)unit.dim() - axis - 1)];
            pads[^1] = s - 1; // F.pad lists the last axis first: the new unit axis is the last pair
            var shape = y.shape.ToArray();
            shape[axis] = n * s;
            y = F.pad(unit, pads).reshape(shape).narrow(axis, 0, (n - 1) * s + 1);
        }
        return y;
    }

    /// <summary>ONNX: SAME_UPPER puts the smaller half first; otherwise (SAME_LOWER, or output_shape without
    /// auto_pad) the larger half first.</summary>
    private static void SplitPad(long total, bool upper, out long begin, out long end)
    {
        var half = total / 2;
        (begin, end) = upper ? (half, total - half) : (total - half, half);
    }

    private static Tensor PadDim(Tensor t, int dim, long before, long after)
    {
        var pads = new long[2 * (t.dim() - dim)];
        pads[^2] = before;
        pads[^1] = after;
        // F.pad lists the last dimension first: the pair for 'dim' is the last one written.
        return F.pad(t, pads);
    }
}

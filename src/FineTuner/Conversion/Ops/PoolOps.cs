using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>Attributes shared by MaxPool and AveragePool (2-D; 1-D pools run as 2-D ones over a height of 1; 3-D pools
/// pad explicitly, then pool without padding).</summary>
internal abstract class PoolOp : OnnxOp
{
    private readonly bool _oneD;

    /// <summary>True for a 2-D pool (not a 1-D one run as 2-D).</summary>
    protected bool IsPlanar => Kernel.Length == 2 && !_oneD;

    protected PoolOp(NodeAttributes a) : base(a.Node)
    {
        Kernel = a.Ints("kernel_shape") ?? throw new GraftException($"{Describe}: kernel_shape is missing.");
        _oneD = Kernel.Length == 1;
        Strides = a.Ints("strides") ?? Enumerable.Repeat(1L, Kernel.Length).ToArray();
        Dilations = a.Ints("dilations") ?? Enumerable.Repeat(1L, Kernel.Length).ToArray();
        Pads = a.Ints("pads");
        AutoPad = a.String("auto_pad", "NOTSET");
        CeilMode = a.Int("ceil_mode", 0) != 0;
        if (Kernel.Length is not (1 or 2 or 3)) throw Unsupported($"{a.Node.OpType} over {Kernel.Length} spatial dimensions");
        if (Strides.Length != Kernel.Length || Dilations.Length != Kernel.Length || Pads is not null && Pads.Length != 2 * Kernel.Length)
            throw new GraftException($"{Describe}: strides, dilations and pads do not match kernel_shape.");
        if (_oneD)
        {
            // [L] → [1, L]: a unit height adds no window and no padding.
            Kernel = [1, Kernel[0]];
            Strides = [1, Strides[0]];
            Dilations = [1, Dilations[0]];
            if (Pads is { Length: 2 } p) Pads = [0, p[0], 0, p[1]];
        }
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() != Kernel.Length + 2 && !_oneD) throw Unsupported($"a {Kernel.Length}-D {Node.OpType} on a rank-{x.dim()} input");
        if (Kernel.Length == 3) return [Pool3d(x, Pads3d(x))];
        if (!_oneD) return [Pool(x)];
        if (x.dim() != 3) throw Unsupported($"a 1-D {Node.OpType} on a rank-{x.dim()} input");
        using var planar = x.unsqueeze(2);
        using var pooled = Pool(planar);
        return [pooled.squeeze(2)];
    }

    /// <summary>Pools a 4-D input.</summary>
    protected abstract Tensor Pool(Tensor x);

    /// <summary>Pools a 5-D input with pads [d, h, w begins…, d, h, w ends…] not yet applied.</summary>
    protected abstract Tensor Pool3d(Tensor x, long[] pads);

    /// <summary>F.pad order for 3-D pads [d0, h0, w0, d1, h1, w1]: [w0, w1, h0, h1, d0, d1].</summary>
    protected static long[] TorchPads3d(long[] p) => [p[2], p[5], p[1], p[4], p[0], p[3]];

    private long[] Pads3d(Tensor x)
    {
        if (AutoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            var pads = new long[6];
            for (var i = 0; i < 3; i++)
            {
                var size = x.shape[i + 2];
                var output = (size + Strides[i] - 1) / Strides[i];
                var total = Math.Max(0, (output - 1) * Strides[i] + (Kernel[i] - 1) * Dilations[i] + 1 - size);
                (pads[i], pads[i + 3]) = AutoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2);
            }
            return pads;
        }
        return AutoPad is "NOTSET" or "" && Pads is { } p ? p : new long[6];
    }

    protected long[] Kernel { get; }
    protected long[] Strides { get; }
    protected long[] Dilations { get; }
    protected long[]? Pads { get; }
    protected string AutoPad { get; }
    protected bool CeilMode { get; }

    protected SpatialPadding Padding(Tensor x)
    {
        if (x.dim() != 4) throw Unsupported($"{Node.OpType} on a rank-{x.dim()} input");
        return SpatialPadding.Resolve(AutoPad, Pads, x.shape[2], x.shape[3], Kernel, Strides, Dilations);
    }

    /// <summary>TorchSharp pools accept symmetric padding of at most half the kernel; anything else is padded explicitly.</summary>
    protected bool TorchCanPad(SpatialPadding p) => p.IsSymmetric && p.Top <= Kernel[0] / 2 && p.Left <= Kernel[1] / 2;
}

/// <summary>ONNX MaxPool; explicit padding uses −∞ so padded cells never win (ONNX semantics).</summary>
internal sealed class MaxPoolOp : PoolOp
{
    private readonly bool _indices;
    private readonly bool _columnMajor;

    public MaxPoolOp(NodeAttributes a) : base(a)
    {
        _indices = a.Node.Output.Count > 1 && !string.IsNullOrEmpty(a.Node.Output[1]);
        _columnMajor = a.Int("storage_order", 0) != 0;
        if (_indices && !IsPlanar) throw Unsupported("the Indices output of a MaxPool that is not 2-D");
    }

    /// <summary>With the Indices output: ONNX's indices count over the whole input tensor (n, c, h, w) in row-major
    /// order (storage_order 0) or with h and w swapped (1); torch's count within each padded plane.</summary>
    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        if (!_indices) return base.Run(inputs, training);
        var x = Input(inputs, 0);
        if (x.dim() != 4) throw Unsupported($"MaxPool on a rank-{x.dim()} input");
        using var scope = NewDisposeScope();
        var pad = Padding(x);
        var padded = pad.IsZero ? x : F.pad(x, pad.TorchPadOrder, value: double.NegativeInfinity);
        var (y, planeIndex) = F.max_pool2d_with_indices(padded, Kernel, Strides, [0, 0], Dilations, CeilMode);
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3], paddedWidth = padded.shape[3];
        var row = planeIndex.div(paddedWidth, RoundingMode.floor).sub(pad.Top);
        var column = planeIndex.remainder(paddedWidth).sub(pad.Left);
        var within = _columnMajor ? column.mul(h).add(row) : row.mul(w).add(column);
        var plane = torch.arange(n * c, dtype: ScalarType.Int64, device: x.device).reshape(n, c, 1, 1).mul(h * w);
        return [y.MoveToOuterDisposeScope(), within.add(plane).MoveToOuterDisposeScope()];
    }

    protected override Tensor Pool3d(Tensor x, long[] pads)
    {
        if (pads.All(p => p == 0)) return F.max_pool3d(x, Kernel, Strides, new long[3], Dilations, CeilMode);
        using var padded = F.pad(x, TorchPads3d(pads), value: double.NegativeInfinity);
        return F.max_pool3d(padded, Kernel, Strides, new long[3], Dilations, CeilMode);
    }

    protected override Tensor Pool(Tensor x)
    {
        var pad = Padding(x);
        if (TorchCanPad(pad))
            return F.max_pool2d(x, Kernel, Strides, [pad.Top, pad.Left], Dilations, CeilMode);
        using var padded = F.pad(x, pad.TorchPadOrder, value: double.NegativeInfinity);
        return F.max_pool2d(padded, Kernel, Strides, [0, 0], Dilations, CeilMode);
    }
}

/// <summary>
/// ONNX AveragePool. count_include_pad = 0 (the default, and TensorFlow's "same" pooling in NASNet) averages only
/// the real pixels of each window; 1 divides by the full window. Asymmetric padding with count_include_pad = 0 is
/// computed as pool(pad(x)) / pool(pad(1)): the second term is the fraction of real pixels per window.
/// </summary>
internal sealed class AveragePoolOp : PoolOp
{
    private readonly bool _countIncludePad;

    public AveragePoolOp(NodeAttributes a) : base(a)
    {
        _countIncludePad = a.Int("count_include_pad", 0) != 0;
        if (Dilations.Any(d => d != 1)) throw Unsupported("a dilated AveragePool");
    }

    protected override Tensor Pool3d(Tensor x, long[] pads)
    {
        if (pads.All(p => p == 0)) return F.avg_pool3d(x, Kernel, Strides, new long[3], CeilMode, count_include_pad: true);
        using var padded = F.pad(x, TorchPads3d(pads));
        using var sum = F.avg_pool3d(padded, Kernel, Strides, new long[3], CeilMode, count_include_pad: true);
        if (_countIncludePad) return sum.alias();
        using var ones = torch.ones([1, 1, x.shape[2], x.shape[3], x.shape[4]], dtype: x.dtype, device: x.device);
        using var paddedOnes = F.pad(ones, TorchPads3d(pads));
        using var fraction = F.avg_pool3d(paddedOnes, Kernel, Strides, new long[3], CeilMode, count_include_pad: true);
        return sum.div(fraction);
    }

    protected override Tensor Pool(Tensor x)
    {
        var pad = Padding(x);
        if (pad.IsZero || TorchCanPad(pad))
            return F.avg_pool2d(x, Kernel, Strides, [pad.Top, pad.Left], CeilMode, _countIncludePad);
        using var padded = F.pad(x, pad.TorchPadOrder);
        if (_countIncludePad)
            return F.avg_pool2d(padded, Kernel, Strides, [0, 0], CeilMode, count_include_pad: true);
        using var sum = F.avg_pool2d(padded, Kernel, Strides, [0, 0], CeilMode, count_include_pad: true);
        using var ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype, device: x.device);
        using var paddedOnes = F.pad(ones, pad.TorchPadOrder);
        using var fraction = F.avg_pool2d(paddedOnes, Kernel, Strides, [0, 0], CeilMode, count_include_pad: true);
        return sum.div(fraction);
    }
}

/// <summary>GlobalAveragePool / GlobalMaxPool: reduce every spatial dimension, keeping them as size 1.</summary>
internal sealed class GlobalPoolOp : OnnxOp
{
    private readonly bool _max;

    public GlobalPoolOp(NodeAttributes a, bool max) : base(a.Node) => _max = max;

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var dims = Enumerable.Range(2, (int)x.dim() - 2).Select(d => (long)d).ToArray();
        return [_max ? x.amax(dims, keepdim: true) : x.mean(dims, keepdim: true)];
    }
}

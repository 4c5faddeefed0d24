using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Tile: each dimension repeated repeats[i] times (torch's repeat).</summary>
internal sealed class TileOp : OnnxOp
{
    public TileOp(NodeAttributes a) : base(a.Node)
    {
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var repeats = Longs(Input(inputs, 1));
        if (repeats.Length != x.dim() || repeats.Any(r => r < 0))
            throw new GraftException($"{Describe}: repeats [{string.Join(", ", repeats)}] do not fit rank {x.dim()}.");
        return [x.repeat(repeats)];
    }
}

/// <summary>ONNX DepthToSpace (blocksize b; mode DCR, the default, or CRD) and SpaceToDepth: [N, C, H, W] ⇄
/// [N, C/b², H·b, W·b] by reshape and permute (pixel shuffle in the exports of super-resolution heads).</summary>
internal sealed class DepthToSpaceOp : OnnxOp
{
    private readonly long _block;
    private readonly bool _toSpace;
    private readonly bool _crd;

    public DepthToSpaceOp(NodeAttributes a, bool toSpace) : base(a.Node)
    {
        _block = a.Int("blocksize", 0);
        _toSpace = toSpace;
        var mode = a.String("mode", "DCR");
        if (mode is not ("DCR" or "CRD")) throw Unsupported($"DepthToSpace mode '{mode}'");
        _crd = mode == "CRD";
        if (_block <= 0) throw new GraftException($"{Describe}: blocksize is missing or not positive.");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() != 4) throw Unsupported($"{Node.OpType} on a rank-{x.dim()} input");
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3], b = _block;
        using var scope = NewDisposeScope();
        Tensor y;
        if (_toSpace)
        {
            if (c % (b * b) != 0) throw new GraftException($"{Describe}: {c} channels are not a multiple of blocksize² {b * b}.");
            y = _crd
                ? x.reshape(n, c / (b * b), b, b, h, w).permute(0, 1, 4, 2, 5, 3)
                : x.reshape(n, b, b, c / (b * b), h, w).permute(0, 3, 4, 1, 5, 2);
            y = y.reshape(n, c / (b * b), h * b, w * b);
        }
        else
        {
            if (h % b != 0 || w % b != 0) throw new GraftException($"{Describe}: {h}×{w} is not a multiple of blocksize {b}.");
            y = x.reshape(n, c, h / b, b, w / b, b).permute(0, 3, 5, 1, 2, 4).reshape(n, c * b * b, h / b, w / b);
        }
        return [y.contiguous().MoveToOuterDisposeScope()];
    }
}

/// <summary>ONNX ArgMax / ArgMin along an axis (keepdims 1 by default); select_last_index picks the last of equal
/// extremes (searched on the reversed axis).</summary>
internal sealed class ArgExtremeOp : OnnxOp
{
    private readonly long _axis;
    private readonly bool _keepDims;
    private readonly bool _last;
    private readonly bool _max;

    public ArgExtremeOp(NodeAttributes a, bool max) : base(a.Node)
    {
        _axis = a.Int("axis", 0);
        _keepDims = a.Int("keepdims", 1) != 0;
        _last = a.Int("select_last_index", 0) != 0;
        _max = max;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var axis = Axis(_axis, x.dim());
        if (x.shape[axis] == 0) throw new GraftException($"{Describe}: {Node.OpType} over an empty axis has no answer.");
        using var scope = NewDisposeScope();
        var source = _last ? x.flip(axis) : x;
        var index = _max ? source.argmax(axis, _keepDims) : source.argmin(axis, _keepDims);
        if (_last) index = index.neg().add(x.shape[axis] - 1);
        return [index.MoveToOuterDisposeScope()];
    }
}

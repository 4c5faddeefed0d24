using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX Reduce* (Mean, Sum, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp). Axes come from the attribute or —
/// ReduceSum from opset 13, the others from opset 18 — the optional second input; no axes reduce everything unless
/// noop_with_empty_axes, which returns the input. Reducing an axis of size 0 gives the reduction's identity (ONNX's
/// "empty set" rule: Sum/L1/L2/SumSquare 0, Prod 1, Max −∞, Min +∞, LogSum/LogSumExp −∞, Mean NaN) instead of
/// libtorch's error.
/// </summary>
internal sealed class ReduceOp : OnnxOp
{
    private readonly long[]? _axes;
    private readonly bool _keepDims;
    private readonly bool _noopWithEmptyAxes;
    private readonly string _kind;

    public ReduceOp(NodeAttributes a, int opset) : base(a.Node)
    {
        _axes = a.Ints("axes");
        _keepDims = a.Int("keepdims", 1) != 0;
        _noopWithEmptyAxes = a.Int("noop_with_empty_axes", 0) != 0;
        _kind = a.Node.OpType;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var axes = Optional(inputs, 1) is { } t ? Longs(t) : _axes;
        if (axes is null || axes.Length == 0)
        {
            if (_noopWithEmptyAxes) return [x.alias()];
            axes = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
        }
        var dims = axes.Select(a => Axis(a, x.dim())).Distinct().Order().ToArray();
        if (x.dim() == 0) return [Reduce(x, dims)];
        if (dims.Any(d => x.shape[d] == 0)) return [EmptySet(x, dims)];
        return [Reduce(x, dims)];
    }

    private Tensor Reduce(Tensor x, long[] dims)
    {
        if (x.dim() == 0) return _kind switch
        {
            "ReduceL1" => x.abs(),
            "ReduceL2" => x.abs(),
            "ReduceSumSquare" => x.square(),
            "ReduceLogSum" => x.log(),
            _ => x.alias(),
        };
        using var scope = NewDisposeScope();
        var y = _kind switch
        {
            "ReduceMean" => x.mean(dims, _keepDims),
            "ReduceSum" => x.sum(dims, _keepDims),
            "ReduceMax" => x.amax(dims, _keepDims),
            "ReduceMin" => x.amin(dims, _keepDims),
            "ReduceProd" => Prod(x, dims),
            "ReduceL1" => x.abs().sum(dims, _keepDims),
            "ReduceL2" => x.square().sum(dims, _keepDims).sqrt(),
            "ReduceSumSquare" => x.square().sum(dims, _keepDims),
            "ReduceLogSum" => x.sum(dims, _keepDims).log(),
            "ReduceLogSumExp" => LogSumExp(x, dims),
            _ => throw Unsupported(_kind),
        };
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>torch's prod takes one dimension at a time: reduce from the last wanted axis down, keeping dims, then
    /// drop them if keepdims = 0.</summary>
    private Tensor Prod(Tensor x, long[] dims)
    {
        var y = x;
        foreach (var d in dims.Reverse()) y = y.prod(d, keepdim: true);
        return _keepDims ? y : Squeeze(y, dims);
    }

    /// <summary>max + log Σ exp(x − max), stable for large inputs; a −∞ maximum is replaced by 0 so all-−∞ slices
    /// give −∞ rather than NaN.</summary>
    private Tensor LogSumExp(Tensor x, long[] dims)
    {
        var max = x.amax(dims, keepdim: true).detach();
        var finite = where(max.isfinite(), max, zeros_like(max));
        var y = x.sub(finite).exp().sum(dims, keepdim: true).log().add(finite);
        return _keepDims ? y : Squeeze(y, dims);
    }

    private static Tensor Squeeze(Tensor y, long[] dims)
    {
        var keep = y.shape.Where((_, i) => !dims.Contains(i)).ToArray();
        return y.reshape(keep);
    }

    private Tensor EmptySet(Tensor x, long[] dims)
    {
        var shape = x.shape.Select((d, i) => dims.Contains(i) ? 1 : d).ToArray();
        if (!_keepDims) shape = x.shape.Where((_, i) => !dims.Contains(i)).ToArray();
        double value = _kind switch
        {
            "ReduceSum" or "ReduceL1" or "ReduceL2" or "ReduceSumSquare" => 0,
            "ReduceProd" => 1,
            "ReduceMax" or "ReduceLogSum" or "ReduceLogSumExp" => double.NegativeInfinity,
            "ReduceMin" => double.PositiveInfinity,
            _ => double.NaN,
        };
        if (!x.is_floating_point() && !double.IsFinite(value))
        {
            // Integer tensors have no ±∞: ONNX Runtime gives the type's lowest/highest value.
            return full(shape, value > 0 ? long.MaxValue : long.MinValue, dtype: x.dtype, device: x.device);
        }
        return full(shape, value, dtype: x.dtype, device: x.device);
    }
}

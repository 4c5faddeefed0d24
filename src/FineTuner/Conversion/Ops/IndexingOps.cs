using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>Index checks shared by the gather/scatter family: ONNX indices may be negative (counting from the end) and
/// must lie in [−size, size − 1]; checked here so a bad index is a clear error, never a libtorch abort.</summary>
internal static class IndexChecks
{
    /// <summary>int64 copy of <paramref name="indices"/> on <paramref name="device"/> with negatives wrapped; throws
    /// naming <paramref name="op"/> when any index is outside [−size, size − 1].</summary>
    public static Tensor Wrap(OnnxOp op, Tensor indices, long size, Device device)
    {
        var index = indices.to(ScalarType.Int64, device);
        if (index.numel() > 0)
        {
            var low = index.min().item<long>();
            var high = index.max().item<long>();
            if (low < -size || high >= size)
            {
                index.Dispose();
                throw new GraftException($"{op.Describe}: an index in [{low}, {high}] is out of range for a dimension of size {size}.");
            }
        }
        using (index)
        {
            using var negative = index.lt(0);
            using var shifted = index.add(size);
            return where(negative, shifted, index);
        }
    }

    public static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}

/// <summary>ONNX GatherElements: out[…, i, …] = data[…, indices[…, i, …], …] along axis (torch's gather; gradients reach
/// data). indices has data's rank; each other dimension of indices is at most data's.</summary>
internal sealed class GatherElementsOp : OnnxOp
{
    private readonly long _axis;

    public GatherElementsOp(NodeAttributes a) : base(a.Node) => _axis = a.Int("axis", 0);

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var data = Input(inputs, 0);
        var indices = Input(inputs, 1);
        var axis = Axis(_axis, data.dim());
        if (indices.dim() != data.dim() || Enumerable.Range(0, (int)data.dim()).Any(d => d != axis && indices.shape[d] > data.shape[d]))
            throw new GraftException($"{Describe}: indices of shape {IndexChecks.Shape(indices)} do not fit data of shape {IndexChecks.Shape(data)} on axis {axis}.");
        using var index = IndexChecks.Wrap(this, indices, data.shape[axis], data.device);
        return [data.gather(axis, index)];
    }
}

/// <summary>ONNX ScatterElements (and the deprecated Scatter, same semantics): a copy of data with
/// data[…, indices[…, i, …], …] = updates[…, i, …] along axis (torch's scatter; gradients reach data outside the
/// written slots and updates), or, with reduction "add", added to data (torch's scatter_add: duplicate indices
/// accumulate, as ONNX says). The other reductions are refused (TorchSharp has no scatter_reduce).</summary>
internal sealed class ScatterElementsOp : OnnxOp
{
    private readonly long _axis;
    private readonly bool _add;

    public ScatterElementsOp(NodeAttributes a) : base(a.Node)
    {
        _axis = a.Int("axis", 0);
        var reduction = a.String("reduction", "none");
        if (reduction is not ("none" or "add")) throw Unsupported($"{a.Node.OpType} reduction '{reduction}'");
        _add = reduction == "add";
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var data = Input(inputs, 0);
        var indices = Input(inputs, 1);
        var updates = Input(inputs, 2);
        var axis = Axis(_axis, data.dim());
        if (indices.dim() != data.dim() || !indices.shape.SequenceEqual(updates.shape)
            || Enumerable.Range(0, (int)data.dim()).Any(d => d != axis && indices.shape[d] > data.shape[d]))
            throw new GraftException($"{Describe}: indices {IndexChecks.Shape(indices)} and updates {IndexChecks.Shape(updates)} do not fit data {IndexChecks.Shape(data)} on axis {axis}.");
        using var index = IndexChecks.Wrap(this, indices, data.shape[axis], data.device);
        using var source = updates.to(data.dtype, data.device);
        return [_add ? data.scatter_add(axis, index, source) : data.scatter(axis, index, source)];
    }
}

/// <summary>ONNX GatherND (batch_dims b): the last dimension of indices (k) addresses data's dimensions b…b+k−1 within
/// each of the b leading batch entries; out shape = indices.shape[:-1] + data.shape[b+k:]. Runs as one index_select
/// on a flattened view, so gradients reach data.</summary>
internal sealed class GatherNdOp : OnnxOp
{
    private readonly int _batchDims;

    public GatherNdOp(NodeAttributes a) : base(a.Node) => _batchDims = (int)a.Int("batch_dims", 0);

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var data = Input(inputs, 0);
        var indices = Input(inputs, 1);
        var b = _batchDims;
        var k = indices.dim() == 0 ? -1 : (int)indices.shape[^1];
        if (b < 0 || indices.dim() < b + 1 || k < 0 || b + k > data.dim()
            || !indices.shape.Take(b).SequenceEqual(data.shape.Take(b)))
            throw new GraftException($"{Describe}: indices {IndexChecks.Shape(indices)} do not address data {IndexChecks.Shape(data)} with batch_dims {b}.");
        using var scope = NewDisposeScope();
        var batch = data.shape.Take(b).Aggregate(1L, (p, d) => p * d);
        var addressed = data.shape.Skip(b).Take(k).ToArray();
        var rest = data.shape.Skip(b + k).ToArray();
        var cells = addressed.Aggregate(1L, (p, d) => p * d);
        var where = indices.to(ScalarType.Int64, data.device).reshape(batch, -1, k);
        // Row-major linear index over the addressed dimensions, each index wrapped and range-checked.
        var linear = zeros([batch, where.shape[1]], ScalarType.Int64, data.device);
        for (var j = 0; j < k; j++)
        {
            var column = IndexChecks.Wrap(this, where.select(-1, j), addressed[j], data.device);
            linear = linear.mul(addressed[j]).add(column);
        }
        var offsets = arange(0L, batch, 1L, ScalarType.Int64, data.device).mul(cells).unsqueeze(1);
        var flatIndex = linear.add(offsets).flatten();
        var table = data.reshape([batch * cells, .. rest]);
        var picked = table.index_select(0, flatIndex);
        var shape = indices.shape.SkipLast(1).Concat(rest).ToArray();
        return [picked.reshape(shape).MoveToOuterDisposeScope()];
    }
}

/// <summary>ONNX OneHot(indices, depth, values = [off, on], axis = −1): a new axis of length depth holding on where the
/// (negative-wrapped) index equals the position, off elsewhere; indices outside [−depth, depth − 1] give an all-off
/// row, as ONNX says. Non-integer indices and depth are truncated (ONNX casts them). Output has values' type.</summary>
internal sealed class OneHotOp : OnnxOp
{
    private readonly long _axis;

    public OneHotOp(NodeAttributes a) : base(a.Node) => _axis = a.Int("axis", -1);

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var indices = Input(inputs, 0);
        var values = Input(inputs, 2);
        using var depthTensor = Input(inputs, 1).to(ScalarType.Float64);
        if (depthTensor.numel() != 1 || values.numel() != 2)
            throw new GraftException($"{Describe}: depth must hold one value and values two (off, on).");
        var depth = (long)depthTensor.cpu().item<double>();
        if (depth < 1) throw new GraftException($"{Describe}: depth {depth} is not positive.");
        var axis = _axis < 0 ? _axis + indices.dim() + 1 : _axis;
        if (axis < 0 || axis > indices.dim()) throw new GraftException($"{Describe}: axis {_axis} is out of range for rank {indices.dim() + 1}.");
        using var scope = NewDisposeScope();
        var index = indices.to(ScalarType.Int64);
        index = where(index.lt(0), index.add(depth), index).unsqueeze(axis);
        var shape = Enumerable.Repeat(1L, (int)indices.dim() + 1).ToArray();
        shape[axis] = depth;
        var positions = arange(0L, depth, 1L, ScalarType.Int64, index.device).reshape(shape);
        var hot = index.eq(positions).to(values.device);
        var flat = values.flatten();
        var result = where(hot, flat[1], flat[0]);
        return [result.MoveToOuterDisposeScope()];
    }
}

/// <summary>ONNX NonZero: the int64 indices of the non-zero elements, shape [rank, count], in row-major order.</summary>
internal sealed class NonZeroOp : OnnxOp
{
    public NonZeroOp(NodeAttributes a) : base(a.Node)
    {
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() == 0) throw Unsupported("NonZero of a scalar");
        using var found = x.nonzero();
        return [found.t().contiguous()];
    }
}

/// <summary>ONNX TopK: the k largest (or smallest) elements along axis, with their int64 indices, in sorted order.
/// Runs as a stable sort so equal values keep the lower index first, as ONNX requires (torch's topk does not promise
/// it); the values output is differentiable. K is an input from opset 10, the 'k' attribute before.</summary>
internal sealed class TopKOp : OnnxOp
{
    private readonly long _axis;
    private readonly bool _largest;
    private readonly long? _k;

    public TopKOp(NodeAttributes a, int opset) : base(a.Node)
    {
        _axis = a.Int("axis", -1);
        _largest = a.Int("largest", 1) != 0;
        _k = opset < 10 ? a.Int("k", -1) : null;
        // sorted = 0 lets the implementation choose the order; sorted order is one valid choice.
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var axis = Axis(_axis, x.dim());
        var k = _k ?? Longs(Input(inputs, 1)).Single();
        if (k < 0 || k > x.shape[axis])
            throw new GraftException($"{Describe}: k = {k} is outside [0, {x.shape[axis]}] for axis {axis} of shape {IndexChecks.Shape(x)}.");
        using var scope = NewDisposeScope();
        var (values, indices) = x.sort(axis, descending: _largest, stable: true);
        return [values.narrow(axis, 0, k).MoveToOuterDisposeScope(), indices.narrow(axis, 0, k).to(ScalarType.Int64).MoveToOuterDisposeScope()];
    }
}

/// <summary>ONNX Hardmax: 1 at the first maximum, 0 elsewhere. From opset 13 along axis (−1 by default); before, over
/// the input flattened to 2-D at axis (1 by default), like Softmax of those opsets.</summary>
internal sealed class HardmaxOp : OnnxOp
{
    private readonly long _axis;
    private readonly bool _legacy;

    public HardmaxOp(NodeAttributes a, int opset) : base(a.Node)
    {
        _legacy = opset < 13;
        _axis = a.Int("axis", _legacy ? 1 : -1);
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() == 0) throw Unsupported("Hardmax of a scalar");
        var axis = Axis(_axis, x.dim());
        using var scope = NewDisposeScope();
        var source = x;
        if (_legacy)
        {
            var outer = x.shape.Take((int)axis).Aggregate(1L, (p, d) => p * d);
            source = x.reshape(outer, -1);
            axis = 1;
        }
        if (source.shape[axis] == 0) return [x.clone().MoveToOuterDisposeScope()];
        using var noGrad = no_grad();
        var first = source.argmax(axis, keepdim: true); // torch returns the first of equal maxima, as ONNX wants
        var hot = zeros_like(source).scatter(axis, first, ones_like(first).to(source.dtype));
        return [hot.reshape(x.shape).MoveToOuterDisposeScope()];
    }
}

/// <summary>ONNX Compress: the slices of input along axis (of the flattened input without one) whose condition entry is
/// true; a condition shorter than the axis leaves the rest out, as ONNX says. Runs as index_select (differentiable).</summary>
internal sealed class CompressOp : OnnxOp
{
    private readonly long? _axis;

    public CompressOp(NodeAttributes a) : base(a.Node) => _axis = a.Has("axis") ? a.Int("axis", 0) : null;

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var condition = Input(inputs, 1);
        if (condition.dim() != 1) throw new GraftException($"{Describe}: condition must be 1-D, not of shape {IndexChecks.Shape(condition)}.");
        using var scope = NewDisposeScope();
        var source = _axis is null ? x.flatten() : x;
        var axis = Axis(_axis ?? 0, source.dim());
        var length = source.shape[axis];
        if (condition.shape[0] > length)
            throw new GraftException($"{Describe}: condition has {condition.shape[0]} entries for an axis of length {length}.");
        var kept = condition.to(ScalarType.Bool).nonzero().flatten().to(source.device);
        return [source.index_select(axis, kept).MoveToOuterDisposeScope()];
    }
}

/// <summary>ONNX ReverseSequence: for each batch entry b, the first sequence_lens[b] elements along time_axis reversed,
/// the rest kept (a gather along time_axis, so gradients reach the input).</summary>
internal sealed class ReverseSequenceOp : OnnxOp
{
    private readonly long _batchAxis;
    private readonly long _timeAxis;

    public ReverseSequenceOp(NodeAttributes a) : base(a.Node)
    {
        _batchAxis = a.Int("batch_axis", 1);
        _timeAxis = a.Int("time_axis", 0);
        if (!((_batchAxis == 0 && _timeAxis == 1) || (_batchAxis == 1 && _timeAxis == 0)))
            throw new GraftException($"{Describe}: batch_axis and time_axis must be 0 and 1 in some order.");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() < 2) throw new GraftException($"{Describe}: ReverseSequence needs rank ≥ 2, not {x.dim()}.");
        var lengths = Longs(Input(inputs, 1));
        long batch = x.shape[_batchAxis], time = x.shape[_timeAxis];
        if (lengths.Length != batch || lengths.Any(l => l < 0 || l > time))
            throw new GraftException($"{Describe}: sequence_lens [{string.Join(", ", lengths)}] do not fit batch {batch} and time {time}.");
        var index = new long[batch * time]; // [time, batch] row-major
        for (var t = 0; t < time; t++)
            for (var b = 0; b < batch; b++)
                index[t * batch + b] = t < lengths[b] ? lengths[b] - 1 - t : t;
        using var scope = NewDisposeScope();
        var grid = tensor(index, [time, batch], device: x.device);
        if (_timeAxis == 1) grid = grid.t();
        var shape = x.shape.Select((d, i) => i < 2 ? d : 1L).ToArray();
        var full = grid.reshape(shape).expand(x.shape);
        return [x.gather(_timeAxis, full).MoveToOuterDisposeScope()];
    }
}

using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Trilu: keeps the upper (upper = 1, the default) or lower triangle of the last two dimensions from
/// diagonal k (optional int64 input, 0 by default), zeroing the rest (torch's triu/tril; differentiable).</summary>
internal sealed class TriluOp : OnnxOp
{
    private readonly bool _upper;

    public TriluOp(NodeAttributes a) : base(a.Node) => _upper = a.Int("upper", 1) != 0;

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() < 2) throw new GraftException($"{Describe}: Trilu needs rank ≥ 2, not {x.dim()}.");
        var k = Optional(inputs, 1) is { } t ? Longs(t).Single() : 0L;
        return [_upper ? x.triu(k) : x.tril(k)];
    }
}

/// <summary>ONNX EyeLike: a 2-D tensor of the input's shape with ones on diagonal k, in the 'dtype' attribute's type
/// (the input's by default; integers are int64 in the converter).</summary>
internal sealed class EyeLikeOp : OnnxOp
{
    private readonly ScalarType? _dtype;
    private readonly long _k;

    public EyeLikeOp(NodeAttributes a) : base(a.Node)
    {
        _k = a.Int("k", 0);
        _dtype = a.Has("dtype") ? CastOp.TargetType(this, (TensorProto.Types.DataType)a.Int("dtype", 1)) : null;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() != 2) throw new GraftException($"{Describe}: EyeLike needs a 2-D input, not rank {x.dim()}.");
        using var rows = arange(0L, x.shape[0], 1L, ScalarType.Int64, x.device).unsqueeze(1);
        using var columns = arange(0L, x.shape[1], 1L, ScalarType.Int64, x.device).unsqueeze(0);
        using var shifted = rows.add(_k);
        using var diagonal = shifted.eq(columns);
        return [diagonal.to(_dtype ?? x.dtype)];
    }
}

/// <summary>ONNX CumSum along the axis given as a scalar input; exclusive = 1 shifts by one (the first sum is 0) and
/// reverse = 1 sums from the end. Built from cumsum, flip, narrow and cat, all differentiable.</summary>
internal sealed class CumSumOp : OnnxOp
{
    private readonly bool _exclusive;
    private readonly bool _reverse;

    public CumSumOp(NodeAttributes a) : base(a.Node)
    {
        _exclusive = a.Int("exclusive", 0) != 0;
        _reverse = a.Int("reverse", 0) != 0;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() == 0) throw Unsupported("CumSum of a scalar");
        var axis = Axis(Longs(Input(inputs, 1)).Single(), x.dim());
        var n = x.shape[axis];
        if (n == 0) return [x.clone()];
        using var scope = NewDisposeScope();
        var source = _reverse ? x.flip(axis) : x;
        var sums = source.cumsum(axis);
        if (_exclusive)
        {
            var shape = (long[])x.shape.Clone();
            shape[axis] = 1;
            sums = cat([zeros(shape, sums.dtype, sums.device), sums.narrow(axis, 0, n - 1)], axis);
        }
        if (_reverse) sums = sums.flip(axis);
        return [sums.MoveToOuterDisposeScope()];
    }
}

/// <summary>
/// ONNX Einsum (numpy's notation: explicit "bij,bjk->bik" or implicit "ij,jk", repeated letters for diagonals,
/// "..." for broadcast dimensions) as torch's einsum, which is differentiable. The equation is checked against the
/// operand shapes first — every operand has one letter per dimension, a letter has one size everywhere, the output
/// names only input letters, once — so a mismatch is a clear error rather than a libtorch failure.
/// </summary>
internal sealed class EinsumOp : OnnxOp
{
    private readonly string _equation;
    private readonly string[] _operands;
    private readonly string? _output;

    public EinsumOp(NodeAttributes a) : base(a.Node)
    {
        _equation = new string(a.String("equation", "").Where(c => !char.IsWhiteSpace(c)).ToArray());
        var arrow = _equation.Split("->");
        if (_equation.Length == 0 || arrow.Length > 2) throw new GraftException($"{Describe}: invalid equation '{_equation}'.");
        _operands = arrow[0].Split(',');
        _output = arrow.Length == 2 ? arrow[1] : null;
        foreach (var term in _operands.Append(_output ?? ""))
        {
            var letters = term.Replace("...", "");
            if (letters.Any(c => !char.IsAsciiLetter(c)) || term.Length - letters.Length > 3)
                throw new GraftException($"{Describe}: invalid term '{term}' in equation '{_equation}'.");
        }
        if (_output is { } o)
        {
            var outLetters = o.Replace("...", "");
            var inLetters = string.Concat(_operands);
            if (outLetters.Distinct().Count() != outLetters.Length || outLetters.Any(c => !inLetters.Contains(c)))
                throw new GraftException($"{Describe}: the output '{o}' of equation '{_equation}' repeats a letter or names one no input has.");
            if (o.Contains("...") && !_operands.Any(t => t.Contains("...")))
                throw new GraftException($"{Describe}: the output of equation '{_equation}' has '...' but no input does.");
        }
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var operands = inputs.Take(_operands.Length).Select((_, i) => Input(inputs, i)).ToArray();
        if (inputs.Count(i => i is not null) != _operands.Length)
            throw new GraftException($"{Describe}: equation '{_equation}' has {_operands.Length} operands, the node {inputs.Count(i => i is not null)} inputs.");
        var sizes = new Dictionary<char, long>();
        long[]? ellipsis = null;
        for (var i = 0; i < operands.Length; i++)
        {
            var term = _operands[i];
            var letters = term.Replace("...", "");
            var hasEllipsis = term.Contains("...");
            var rank = operands[i].dim();
            if (rank < letters.Length || (!hasEllipsis && rank != letters.Length))
                throw new GraftException($"{Describe}: operand {i} of shape {IndexChecks.Shape(operands[i])} does not fit term '{term}' of '{_equation}'.");
            var split = term.IndexOf("...", StringComparison.Ordinal);
            var before = hasEllipsis ? split : letters.Length;
            var broadcastRank = (int)rank - letters.Length;
            for (var j = 0; j < letters.Length; j++)
            {
                var dim = operands[i].shape[j < before ? j : j + broadcastRank];
                if (sizes.TryGetValue(letters[j], out var known) && known != dim)
                    throw new GraftException($"{Describe}: letter '{letters[j]}' of '{_equation}' is both {known} and {dim} long.");
                sizes[letters[j]] = dim;
            }
            if (hasEllipsis)
            {
                var dims = operands[i].shape.Skip(before).Take(broadcastRank).ToArray();
                if (ellipsis is not null && !ElementwiseOps.Broadcastable(ellipsis, dims))
                    throw new GraftException($"{Describe}: the '...' dimensions of '{_equation}' do not broadcast.");
                if (ellipsis is null || dims.Length > ellipsis.Length) ellipsis = dims;
            }
        }
        var device = operands.FirstOrDefault(o => o.device_type != DeviceType.CPU)?.device ?? operands[0].device;
        var floating = operands.Any(o => o.is_floating_point());
        using var scope = NewDisposeScope();
        var moved = operands.Select(o => floating && !o.is_floating_point() ? o.to(ScalarType.Float32, device) : o.to(device)).ToArray();
        var result = einsum(_equation, moved);
        return [result.MoveToOuterDisposeScope()];
    }
}

/// <summary>ONNX Det: the determinant of each square matrix in the last two dimensions (torch.linalg.det, differentiable).</summary>
internal sealed class DetOp : OnnxOp
{
    public DetOp(NodeAttributes a) : base(a.Node)
    {
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() < 2 || x.shape[^1] != x.shape[^2])
            throw new GraftException($"{Describe}: Det needs square matrices in the last two dimensions, not shape {IndexChecks.Shape(x)}.");
        return [linalg.det(x)];
    }
}

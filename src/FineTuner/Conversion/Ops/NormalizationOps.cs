using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX LayerNormalization (opset 17): normalises over dimensions axis…rank−1 (axis −1 by default) with the biased
/// variance, then Y = normalised · Scale + B. Scale and B (initializers in ConvNeXt/ViT/Swin exports) are trainable
/// Parameters. The optional Mean and InvStdDev outputs have the reduced dimensions kept as 1.
/// </summary>
internal sealed class LayerNormOp : OnnxOp
{
    private readonly long _axis;
    private readonly double _epsilon;
    private readonly bool _statistics;

    public LayerNormOp(NodeAttributes a) : base(a.Node)
    {
        _axis = a.Int("axis", -1);
        _epsilon = a.Float("epsilon", 1e-5f);
        _statistics = a.Node.Output.Skip(1).Any(o => o.Length > 0);
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var scale = Input(inputs, 1);
        var bias = Optional(inputs, 2);
        var axis = Axis(_axis, x.dim());
        var normalized = x.shape.Skip((int)axis).ToArray();
        if (!_statistics && scale.shape.SequenceEqual(normalized) && (bias is null || bias.shape.SequenceEqual(normalized)))
            return [F.layer_norm(x, normalized, scale, bias, _epsilon)];

        using var scope = NewDisposeScope();
        var dims = Enumerable.Range((int)axis, (int)(x.dim() - axis)).Select(d => (long)d).ToArray();
        var mean = x.mean(dims, keepdim: true);
        var centred = x.sub(mean);
        var variance = centred.square().mean(dims, keepdim: true);
        var invStd = variance.add(_epsilon).rsqrt();
        var y = centred.mul(invStd).mul(scale);
        if (bias is not null) y = y.add(bias);
        return [y.MoveToOuterDisposeScope(), mean.MoveToOuterDisposeScope(), invStd.MoveToOuterDisposeScope()];
    }
}

/// <summary>ONNX InstanceNormalization: per sample and channel over the spatial dimensions, biased variance,
/// per-channel scale and B (trainable). No running statistics (ONNX has none).</summary>
internal sealed class InstanceNormOp : OnnxOp
{
    private readonly double _epsilon;

    public InstanceNormOp(NodeAttributes a) : base(a.Node) => _epsilon = a.Float("epsilon", 1e-5f);

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var scale = Input(inputs, 1);
        var bias = Input(inputs, 2);
        if (x.dim() < 3) throw Unsupported($"InstanceNormalization of a rank-{x.dim()} input");
        return [F.instance_norm(x, weight: scale, bias: bias, use_input_stats: true, eps: _epsilon)];
    }
}

/// <summary>
/// ONNX GroupNormalization: channels split into num_groups groups, each normalised per sample over its channels and
/// spatial dimensions. Opset 18 gives scale and bias per group ([num_groups]); opset 21 per channel ([C]) — a
/// per-group vector is repeated over its group's channels, so both run as torch's group_norm and stay trainable.
/// (Older exports decompose GroupNorm into Reshape/InstanceNormalization/Mul/Add, which runs as those operators.)
/// </summary>
internal sealed class GroupNormOp : OnnxOp
{
    private readonly long _groups;
    private readonly double _epsilon;

    public GroupNormOp(NodeAttributes a, int opset) : base(a.Node)
    {
        _groups = a.Int("num_groups", 0);
        _epsilon = a.Float("epsilon", 1e-5f);
        if (_groups <= 0) throw new GraftException($"{Describe}: num_groups is missing or not positive.");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var scale = Input(inputs, 1);
        var bias = Input(inputs, 2);
        var channels = x.shape[1];
        if (channels % _groups != 0) throw new GraftException($"{Describe}: {channels} channels do not split into {_groups} groups.");
        if (scale.numel() == channels && bias.numel() == channels)
            return [F.group_norm(x, _groups, scale.flatten(), bias.flatten(), _epsilon)];
        if (scale.numel() != _groups || bias.numel() != _groups)
            throw new GraftException($"{Describe}: scale and bias hold {scale.numel()} and {bias.numel()} values; expected {_groups} (per group) or {channels} (per channel).");
        using var perChannelScale = scale.flatten().repeat_interleave(channels / _groups);
        using var perChannelBias = bias.flatten().repeat_interleave(channels / _groups);
        return [F.group_norm(x, _groups, perChannelScale, perChannelBias, _epsilon)];
    }
}

/// <summary>
/// ONNX LRN (AlexNet, GoogLeNet-v1 exports): y = x / (bias + alpha/size · Σ x²)^beta, the sum over channels
/// c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉. torch's local_response_norm puts the odd channel of an even window on the
/// other side, so the window is built here: squares padded along channels, averaged by a (size, 1) pool.
/// </summary>
internal sealed class LrnOp : OnnxOp
{
    private readonly long _size;
    private readonly double _alpha;
    private readonly double _beta;
    private readonly double _bias;

    public LrnOp(NodeAttributes a) : base(a.Node)
    {
        _size = a.Int("size", 0);
        _alpha = a.Float("alpha", 1e-4f);
        _beta = a.Float("beta", 0.75f);
        _bias = a.Float("bias", 1f);
        if (_size <= 0) throw new GraftException($"{Describe}: size is missing or not positive.");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        if (x.dim() < 3) throw Unsupported($"LRN of a rank-{x.dim()} input");
        using var scope = NewDisposeScope();
        var n = x.shape[0];
        var c = x.shape[1];
        var rest = x.shape.Skip(2).Aggregate(1L, (p, d) => p * d);
        var squares = x.square().reshape(n, 1, c, rest);
        var before = (_size - 1) / 2;
        var after = _size - 1 - before;
        var padded = F.pad(squares, [0, 0, before, after]);
        var sum = F.avg_pool2d(padded, [_size, 1], [1, 1]).mul((double)_size);
        var denominator = sum.mul(_alpha / _size).add(_bias).pow(_beta).reshape(x.shape);
        return [x.div(denominator).MoveToOuterDisposeScope()];
    }
}

/// <summary>ONNX MeanVarianceNormalization: (X − mean) / (std + 1e-9) over axes ([0, 2, 3] by default), with the
/// biased variance, as ONNX's function body defines it (the variance is taken centred — equal in exact arithmetic to
/// ONNX's E[X²] − E[X]², and never negative from rounding). No parameters; differentiable.</summary>
internal sealed class MeanVarianceNormOp : OnnxOp
{
    private readonly long[] _axes;

    public MeanVarianceNormOp(NodeAttributes a) : base(a.Node) => _axes = a.Ints("axes") ?? [0, 2, 3];

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var dims = _axes.Select(d => Axis(d, x.dim())).Distinct().ToArray();
        using var scope = NewDisposeScope();
        var mean = x.mean(dims, keepdim: true);
        var centred = x.sub(mean);
        var std = centred.square().mean(dims, keepdim: true).sqrt();
        return [centred.div(std.add(1e-9)).MoveToOuterDisposeScope()];
    }
}

using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (NLL of log_softmax over axis 1, with the optional
/// log_prob output): input [N, C, d…], integer target [N, d…], optional class weight [C], reduction none / sum / mean
/// (mean divides by the summed weight of the targets that count, as ONNX defines it) and ignore_index (those targets
/// add 0 and weigh 0). Built from gather and where, so gradients reach the input (a loss exported inside a graph).
/// </summary>
internal sealed class NllLossOp : OnnxOp
{
    private readonly string _reduction;
    private readonly long? _ignoreIndex;
    private readonly bool _softmax;

    public NllLossOp(NodeAttributes a, bool softmax) : base(a.Node)
    {
        _reduction = a.String("reduction", "mean");
        if (_reduction is not ("none" or "sum" or "mean")) throw Unsupported($"{a.Node.OpType} reduction '{_reduction}'");
        _ignoreIndex = a.Has("ignore_index") ? a.Int("ignore_index", 0) : null;
        _softmax = softmax;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var scores = Input(inputs, 0);
        var target = Input(inputs, 1);
        var weight = Optional(inputs, 2);
        if (scores.dim() < 2 || target.dim() != scores.dim() - 1 || target.shape[0] != scores.shape[0]
            || !target.shape.Skip(1).SequenceEqual(scores.shape.Skip(2)))
            throw new GraftException($"{Describe}: target {IndexChecks.Shape(target)} does not fit input {IndexChecks.Shape(scores)} ([N, C, d…] and [N, d…]).");
        var classes = scores.shape[1];
        if (weight is not null && (weight.dim() != 1 || weight.shape[0] != classes))
            throw new GraftException($"{Describe}: weight {IndexChecks.Shape(weight)} does not have one entry per class ({classes}).");
        using var scope = NewDisposeScope();
        var logProb = _softmax ? scores.log_softmax(1) : scores;
        var labels = target.to(ScalarType.Int64, scores.device);
        var counts = _ignoreIndex is { } ignore ? labels.ne(ignore) : ones_like(labels, ScalarType.Bool);
        var safe = where(counts, labels, zeros_like(labels));
        if (safe.numel() > 0 && (safe.min().item<long>() < 0 || safe.max().item<long>() >= classes))
            throw new GraftException($"{Describe}: a target is outside [0, {classes - 1}] (and not the ignore_index).");
        var picked = logProb.gather(1, safe.unsqueeze(1)).squeeze(1);
        var weights = weight is null
            ? ones_like(picked)
            : weight.to(picked.dtype, picked.device).index_select(0, safe.flatten()).reshape(safe.shape);
        weights = where(counts, weights, zeros_like(weights));
        var loss = picked.neg().mul(weights);
        loss = _reduction switch
        {
            "none" => loss,
            "sum" => loss.sum(),
            _ => loss.sum().div(weights.sum()),
        };
        return _softmax
            ? [loss.MoveToOuterDisposeScope(), logProb.MoveToOuterDisposeScope()]
            : [loss.MoveToOuterDisposeScope()];
    }
}

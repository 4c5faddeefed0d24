using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX BatchNormalization: inputs X, scale, B, mean, var. The mean and var initializers are buffers of the module.
/// In training mode (module training and the node's layer trainable) it normalises with batch statistics and updates
/// the running ones in place with ONNX momentum m (running = m·running + (1−m)·batch, i.e. torch momentum 1 − m); a
/// frozen layer always uses the running statistics and never changes them — Keras's rule for trainable=False.
/// </summary>
internal sealed class BatchNormOp : OnnxOp
{
    private readonly double _epsilon;
    private readonly double _torchMomentum;

    public BatchNormOp(NodeAttributes a) : base(a.Node)
    {
        _epsilon = a.Float("epsilon", 1e-5f);
        _torchMomentum = 1.0 - a.Float("momentum", 0.9f);
        if (a.Int("spatial", 1) != 1) throw Unsupported("BatchNormalization with spatial = 0");
        if (a.Node.Output.Skip(1).Any(o => !string.IsNullOrEmpty(o))) throw Unsupported("a training-mode BatchNormalization export (extra outputs)");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var scale = Input(inputs, 1);
        var bias = Input(inputs, 2);
        var mean = Input(inputs, 3);
        var variance = Input(inputs, 4);
        if (!mean.requires_grad && !variance.requires_grad)
            return [F.batch_norm(x, mean, variance, scale, bias, training, _torchMomentum, _epsilon)];
        // torch.onnx.export merges equal-valued initializers (a fresh model's zero BatchNorm biases and running means)
        // and feeds the copies through Identity nodes, so a statistic can arrive computed from a Parameter. Statistics
        // are never differentiated: normalise with detached copies (a training-mode update then stays in the copy
        // instead of writing into the shared Parameter).
        using var meanCopy = mean.detach().clone();
        using var varianceCopy = variance.detach().clone();
        return [F.batch_norm(x, meanCopy, varianceCopy, scale, bias, training, _torchMomentum, _epsilon)];
    }
}

using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Optimization;

/// <summary>SGD with momentum 0.9 (PyTorch's form: buf ← 0.9·buf + g; p ← p − rate·buf) and L2 weight decay added to
/// the gradient.</summary>
public sealed class SgdOptimizer : ParameterOptimizer
{
    private const double Momentum = 0.9;

    public SgdOptimizer(IReadOnlyList<ParameterGroup> groups, double weightDecay) : base(groups, weightDecay)
    {
    }

    protected override void Update(string name, Tensor parameter, Tensor grad, double rate)
    {
        var buffer = State(name, "momentum", parameter);
        using var decayed = WeightDecay > 0 ? grad.add(parameter, alpha: WeightDecay) : grad.alias();
        buffer.mul_(Momentum).add_(decayed);
        parameter.add_(buffer, alpha: -rate);
    }
}

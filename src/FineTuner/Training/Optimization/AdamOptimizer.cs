using static TorchSharp.torch;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Optimization;

/// <summary>Adam with bias correction (β1 0.9, β2 0.999, ε 1e-7 — Keras's defaults) and decoupled weight decay
/// (p ← p − rate·decay·p, as AdamW and Keras's weight_decay).</summary>
public sealed class AdamOptimizer : ParameterOptimizer
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-7;

    public AdamOptimizer(IReadOnlyList<ParameterGroup> groups, double weightDecay) : base(groups, weightDecay)
    {
    }

    protected override void Update(string name, Tensor parameter, Tensor grad, double rate)
    {
        var m = State(name, "m", parameter);
        var v = State(name, "v", parameter);
        m.mul_(Beta1).add_(grad, alpha: 1 - Beta1);
        v.mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
        var correction1 = 1 - Math.Pow(Beta1, Steps);
        var correction2 = 1 - Math.Pow(Beta2, Steps);
        if (WeightDecay > 0) parameter.mul_(1 - rate * WeightDecay);
        using var root = v.sqrt();
        using var denominator = root.div_(Math.Sqrt(correction2)).add_(Epsilon);
        parameter.addcdiv_(m, denominator, value: -rate / correction1);
    }
}

using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training;
namespace Graft.FineTuner.Training.Optimization;

/// <summary>The base learning rate of each training step; parameter groups multiply it (backbone × the backbone
/// multiplier, head × 1).</summary>
public static class LearningRateSchedule
{
    /// <param name="kind">Schedule after the warm-up.</param>
    /// <param name="baseRate">Peak rate.</param>
    /// <param name="index">0 for the first step.</param>
    /// <param name="count">Number of steps.</param>
    /// <param name="warmup">Steps of linear warm-up from baseRate/warmup to baseRate; the schedule spans the rest.</param>
    public static double At(ScheduleKind kind, double baseRate, int index, int count, int warmup = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        warmup = Math.Min(warmup, count - 1);
        if (index < warmup) return baseRate * (index + 1) / warmup;
        int i = index - warmup, n = count - warmup;
        return kind switch
        {
            ScheduleKind.Constant => baseRate,
            ScheduleKind.Cosine => baseRate * 0.5 * (1 + Math.Cos(Math.PI * i / n)),
            ScheduleKind.Step => baseRate * Math.Pow(0.1, i / Math.Max(1, (n + 2) / 3)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}

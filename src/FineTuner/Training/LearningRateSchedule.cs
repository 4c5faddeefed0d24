namespace Graft.FineTuner.Training;

/// <summary>The base learning rate of each fine-tuning epoch; parameter groups multiply it (backbone × the
/// backbone multiplier, head × 1).</summary>
public static class LearningRateSchedule
{
    /// <param name="kind">Schedule.</param>
    /// <param name="baseRate">Rate of the first fine-tuning epoch.</param>
    /// <param name="epochIndex">0 for the first fine-tuning epoch.</param>
    /// <param name="epochCount">Number of fine-tuning epochs.</param>
    public static double At(ScheduleKind kind, double baseRate, int epochIndex, int epochCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochIndex);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochCount, 1);
        return kind switch
        {
            ScheduleKind.Constant => baseRate,
            ScheduleKind.Cosine => baseRate * 0.5 * (1 + Math.Cos(Math.PI * epochIndex / epochCount)),
            ScheduleKind.Step => baseRate * Math.Pow(0.1, epochIndex / Math.Max(1, (epochCount + 2) / 3)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}

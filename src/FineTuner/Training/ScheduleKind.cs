namespace Graft.FineTuner.Training;

/// <summary>How the learning rate changes over the fine-tuning epochs (per epoch).</summary>
public enum ScheduleKind
{
    /// <summary>The same rate every epoch (the seed).</summary>
    Constant,
    /// <summary>Half-cosine from the rate down towards 0 over the fine-tuning epochs.</summary>
    Cosine,
    /// <summary>×0.1 every third of the fine-tuning epochs (at least every epoch).</summary>
    Step,
}

using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training;
namespace Graft.FineTuner.Training.Optimization;

/// <summary>How the learning rate moves over the fine-tuning steps after the warm-up
/// (<see cref="FineTuneOptions.WarmupFraction"/>).</summary>
public enum ScheduleKind
{
    /// <summary>The peak rate throughout (the seed).</summary>
    Constant,
    /// <summary>Half-cosine from the peak down to 0 at the last step (warm-up then cosine: the default).</summary>
    Cosine,
    /// <summary>×0.1 every third of the steps.</summary>
    Step,
}

using Graft.FineTuner.Training;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.HeadTrainer.Runs;

namespace Graft.FineTuner.Runs;

/// <summary><c>graft finetune --run RUNDIR</c> as one call: read the head run, fine-tune, leave RUN/finetune as a run
/// folder and evaluate before and after.</summary>
public static class FineTuneRun
{
    public static (FineTuneResult Result, FineTunedRun Run) Execute(string runDirectory, FineTuneOptions options, HeadRunSources? sources = null,
        bool evaluate = true, IProgress<FineTuneProgress>? progress = null, CancellationToken cancel = default)
    {
        using var writing = RunLock.Acquire(RunFolder.Load(Graft.FeatureCache.Backbones.ModelFileLocator.ExpandHome(runDirectory)).Directory);
        var inputs = HeadRun.Load(runDirectory, sources);
        var result = FineTuneTrainer.Run(inputs, options, progress, cancel);
        var run = FineTunedRunWriter.Write(runDirectory, inputs, result, options, evaluate, progress, cancel, sources?.AllowMissing ?? false);
        return (result, run);
    }

    /// <summary><c>graft finetune --run RUNDIR --find-lr</c>: the learning-rate range test from the run's head, on its
    /// training split; lr_finder.png and lr_finder.csv in RUN/finetune.</summary>
    public static LearningRateFinderResult FindLearningRate(string runDirectory, FineTuneOptions options, HeadRunSources? sources = null,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancel = default)
    {
        using var writing = RunLock.Acquire(RunFolder.Load(Graft.FeatureCache.Backbones.ModelFileLocator.ExpandHome(runDirectory)).Directory);
        return LearningRateFinder.Run(HeadRun.Load(runDirectory, sources), options, progress, cancel);
    }
}

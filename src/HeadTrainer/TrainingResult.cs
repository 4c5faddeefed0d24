using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer;

/// <summary>What <see cref="HeadTraining.Train"/> returns.</summary>
/// <param name="RunDirectory">The run folder (absolute).</param>
/// <param name="Config">config.json as written.</param>
/// <param name="Head">The fitted head (its ML.NET model is also in model.zip).</param>
/// <param name="Summary">Parameter counts (also in summary.txt / summary.json).</param>
public sealed record TrainingResult(string RunDirectory, RunConfig Config, TrainedHead Head, ParameterSummary Summary)
{
    public IReadOnlyList<EpochRecord> History => Head.History;
}

using Graft.HeadTrainer.Evaluation;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Runs;

/// <summary>The run folder a fine-tuning run leaves (<c>RUN/finetune</c>) and its evaluations.</summary>
/// <param name="Directory">RUN/finetune: a run folder like the head trainer's (config.json, backbone.json, model.zip,
/// head.onnx, history.csv, curves.png, summary) over the fine-tuned backbone's features.</param>
/// <param name="FeatureSetId">The fine-tuned backbone's feature set in the run's cache.</param>
/// <param name="Before">The head-only run evaluated (written into RUN); null when not evaluated.</param>
/// <param name="After">The fine-tuned run evaluated (written into RUN/finetune); null when not evaluated.</param>
public sealed record FineTunedRun(string Directory, string FeatureSetId, EvaluationReport? Before, EvaluationReport? After);

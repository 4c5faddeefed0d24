using System.Diagnostics;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace Graft.HeadTrainer.Heads;

/// <summary>
/// The <c>lightgbm</c> head: ML.NET's LightGbm multiclass trainer (softmax objective, multi-class log-loss), seeded
/// and in LightGBM's deterministic mode, boosting on the training split with early stopping on the validation split
/// (ML.NET's Fit(train, validation)). The history is one row, for the final model. Its ONNX form is ML.NET's own
/// export of the trees (<see cref="TreeOnnx"/>).
/// </summary>
public sealed class LightGbmHead(LightGbmOptions options, long seed) : IHeadTrainer
{
    public HeadKind Kind => HeadKind.LightGbm;

    public LightGbmOptions Options { get; } = options;

    public long Seed { get; } = seed;

    public TrainedHead Fit(MLContext ml, IDataView train, IDataView validation, IProgress<EpochProgress>? progress = null,
        CancellationToken cancel = default)
    {
        Options.Validate();
        var (dim, classes) = HeadSchema.Check(train.Schema);
        cancel.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var trainer = ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
        {
            LabelColumnName = HeadColumns.Label,
            FeatureColumnName = HeadColumns.Features,
            NumberOfIterations = Options.MaxIterations,
            LearningRate = Options.LearningRate,
            NumberOfLeaves = Options.Leaves,
            MinimumExampleCountPerLeaf = Options.MinExamplesPerLeaf,
            EarlyStoppingRound = Options.EarlyStoppingRounds,
            UseSoftmax = true,
            EvaluationMetric = LightGbmMulticlassTrainer.Options.EvaluateMetricType.LogLoss,
            Seed = unchecked((int)Seed),
            Deterministic = true,
            NumberOfThreads = Options.Threads > 0 ? Options.Threads
                : (train.GetRowCount() ?? long.MaxValue) < LightGbmOptions.SingleThreadBelowRows ? 1 : null,
            Silent = true,
            Verbose = false,
            Booster = new GradientBooster.Options { FeatureFraction = Options.FeatureFraction },
        });
        var model = Options.EarlyStoppingRounds > 0 ? trainer.Fit(train, validation) : trainer.Fit(train);

        var trainLabels = HeadSchema.ReadLabels(train);
        var validationLabels = HeadSchema.ReadLabels(validation);
        var trainScores = ScoreReader.Read(model.Transform(train), classes);
        var validationScores = ScoreReader.Read(model.Transform(validation), classes);
        var record = new EpochRecord
        {
            Epoch = 1,
            Loss = ProbabilityMetrics.LogLoss(trainScores, trainLabels, classes),
            Accuracy = ProbabilityMetrics.Accuracy(trainScores, trainLabels, classes),
            ValLoss = ProbabilityMetrics.LogLoss(validationScores, validationLabels, classes),
            ValAccuracy = ProbabilityMetrics.Accuracy(validationScores, validationLabels, classes),
            LearningRate = Options.LearningRate,
            Seconds = clock.Elapsed.TotalSeconds,
        };
        progress?.Report(new EpochProgress(Kind, 1, 1, record, 1, "fit"));
        var (trees, leaves) = CountTrees(model.Model);
        return new TrainedHead
        {
            Kind = Kind,
            Model = model,
            InputDimension = dim,
            Classes = classes,
            History = [record],
            // A tree with L leaves holds L leaf values and L − 1 split thresholds.
            ParameterCount = 2 * leaves - trees,
            OnnxBuilder = names => TreeOnnx.Convert(ml, model, dim, names),
            Selection = new Dictionary<string, object>
            {
                ["trees"] = trees,
                ["rounds"] = classes > 0 ? trees / classes : 0,
                ["leaves"] = leaves,
                ["early_stopping_rounds"] = Options.EarlyStoppingRounds,
            },
        };
    }

    /// <summary>
    /// The per-class tree ensembles inside ML.NET's one-versus-all container. ML.NET keeps the list internal
    /// (SubModelParameters), so it is read by reflection; if a future ML.NET renames it, the count comes out 0 and
    /// only the summary loses the number.
    /// </summary>
    private static IEnumerable<object> SubModels(object model)
    {
        if (model is not OneVersusAllModelParameters) return [model];
        var property = typeof(OneVersusAllModelParameters).GetProperty("SubModelParameters",
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public);
        return property?.GetValue(model) is System.Collections.IEnumerable items ? items.Cast<object>() : [];
    }

    /// <summary>Trees and leaves of the fitted ensemble (one tree per class per boosting round).</summary>
    private static (int Trees, long Leaves) CountTrees(object model)
    {
        var trees = 0;
        long leaves = 0;
        foreach (var part in SubModels(model))
        {
            // Each class's model may sit inside a calibrator wrapper (CalibratedModelParametersBase.SubModel).
            var inner = part as TreeEnsembleModelParametersBasedOnRegressionTree
                ?? part.GetType().GetProperties().FirstOrDefault(p => p.Name == "SubModel")?.GetValue(part) as TreeEnsembleModelParametersBasedOnRegressionTree;
            var ensemble = inner?.TrainedTreeEnsemble;
            if (ensemble is null) continue;
            foreach (var tree in ensemble.Trees)
            {
                trees++;
                leaves += tree.NumberOfLeaves;
            }
        }
        return (trees, leaves);
    }
}

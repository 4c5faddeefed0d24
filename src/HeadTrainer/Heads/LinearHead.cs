using System.Collections.Immutable;
using System.Diagnostics;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;

namespace Graft.HeadTrainer.Heads;

/// <summary>
/// The <c>linear</c> head: feature normalisation (fitted on train) → ML.NET LbfgsMaximumEntropy, i.e. multinomial
/// logistic regression with pure L2 (L1 = 0, unlike ML.NET's default, to match scikit-learn's LogisticRegression).
/// The L2 grid is walked from strong to weak regularisation, each fit warm-started from the previous solution, until
/// <see cref="LinearOptions.GridPatience"/> points in a row have not improved the validation log-loss; every fitted
/// point's train and validation loss/accuracy goes to the history (one row per grid point, <see cref="EpochRecord.L2"/>
/// set, <see cref="EpochRecord.Epoch"/> its index), and the point with the lowest validation log-loss is kept (ties:
/// the stronger L2).
/// </summary>
public sealed class LinearHead(LinearOptions options) : IHeadTrainer
{
    public HeadKind Kind => HeadKind.Linear;

    public LinearOptions Options { get; } = options;

    public TrainedHead Fit(MLContext ml, IDataView train, IDataView validation, IProgress<EpochProgress>? progress = null,
        CancellationToken cancel = default)
    {
        Options.Validate();
        var (dim, classes) = HeadSchema.Check(train.Schema);
        var trainLabels = HeadSchema.ReadLabels(train);
        var validationLabels = HeadSchema.ReadLabels(validation);

        ITransformer? normalizer = Options.Normalization switch
        {
            FeatureNormalization.MeanVariance => ml.Transforms.NormalizeMeanVariance(HeadColumns.Features, fixZero: false).Fit(train),
            FeatureNormalization.MinMax => ml.Transforms.NormalizeMinMax(HeadColumns.Features).Fit(train),
            _ => null,
        };
        var trainReady = ml.Data.Cache(normalizer?.Transform(train) ?? train);
        var validationReady = ml.Data.Cache(normalizer?.Transform(validation) ?? validation);

        var grid = Options.L2 is { } fixedL2 ? [fixedL2] : Options.L2Grid.Distinct().OrderDescending().ToArray();
        var history = new List<EpochRecord>();
        MulticlassPredictionTransformer<MaximumEntropyModelParameters>? previous = null, best = null;
        var bestIndex = -1;
        for (var i = 0; i < grid.Length; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var trainer = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = HeadColumns.Label,
                FeatureColumnName = HeadColumns.Features,
                L1Regularization = 0,
                L2Regularization = (float)grid[i],
                OptimizationTolerance = (float)Options.Tolerance,
                MaximumNumberOfIterations = Options.MaxIterations,
            });
            var model = previous is null ? trainer.Fit(trainReady) : trainer.Fit(trainReady, previous.Model);
            var trainScores = ScoreReader.Read(model.Transform(trainReady), classes);
            var validationScores = ScoreReader.Read(model.Transform(validationReady), classes);
            var record = new EpochRecord
            {
                Epoch = i + 1,
                L2 = grid[i],
                Loss = ProbabilityMetrics.LogLoss(trainScores, trainLabels, classes),
                Accuracy = ProbabilityMetrics.Accuracy(trainScores, trainLabels, classes),
                ValLoss = ProbabilityMetrics.LogLoss(validationScores, validationLabels, classes),
                ValAccuracy = ProbabilityMetrics.Accuracy(validationScores, validationLabels, classes),
                Seconds = clock.Elapsed.TotalSeconds,
            };
            history.Add(record);
            // Strictly lower: on a tie the earlier (stronger) L2 stays.
            if (bestIndex < 0 || record.ValLoss < history[bestIndex].ValLoss || double.IsNaN(history[bestIndex].ValLoss))
            {
                bestIndex = i;
                best = model;
            }
            previous = model;
            progress?.Report(new EpochProgress(Kind, i + 1, grid.Length, record, bestIndex + 1, "l2-grid"));
            if (Options.GridPatience > 0 && i - bestIndex >= Options.GridPatience) break;
        }

        var chosen = best!;
        ITransformer fitted = normalizer is null ? chosen : new TransformerChain<ITransformer>(normalizer, chosen);
        var weights = Fold(normalizer, chosen.Model, dim, classes);
        return new TrainedHead
        {
            Kind = Kind,
            Model = fitted,
            InputDimension = dim,
            Classes = classes,
            History = history,
            ParameterCount = weights.ParameterCount,
            Weights = weights,
            Selection = new Dictionary<string, object>
            {
                ["l2"] = grid[bestIndex],
                ["l2_chosen_by"] = Options.L2 is null ? "lowest validation log-loss over the grid" : "given",
                ["grid_point"] = bestIndex + 1,
                ["normalization"] = Options.Normalization.ToString(),
            },
        };
    }

    /// <summary>
    /// The fitted pipeline as one dense layer: ML.NET's affine normaliser y = (x − offset) · scale folded into the
    /// regression's weights, K[j, c] = W[c, j]·scale[j], b'[c] = b[c] − Σ_j W[c, j]·scale[j]·offset[j].
    /// </summary>
    private static HeadWeights Fold(ITransformer? normalizer, MaximumEntropyModelParameters model, int dim, int classes)
    {
        VBuffer<float>[] w = [];
        model.GetWeights(ref w, out var numClasses);
        if (numClasses != classes) throw new InvalidOperationException($"The regression has {numClasses} classes, not {classes}.");
        var bias = model.GetBiases().ToArray();
        var scale = Enumerable.Repeat(1f, dim).ToArray();
        var offset = new float[dim];
        if (normalizer is NormalizingTransformer n)
        {
            if (n.GetNormalizerModelParameters(0) is not NormalizingTransformer.AffineNormalizerModelParameters<ImmutableArray<float>> affine)
                throw new InvalidOperationException("Only affine normalisers fold into a dense layer.");
            affine.Scale.CopyTo(scale);
            if (!affine.Offset.IsDefaultOrEmpty) affine.Offset.CopyTo(offset);
        }
        var kernel = new float[(long)dim * classes];
        var foldedBias = new float[classes];
        var row = new float[dim];
        for (var c = 0; c < classes; c++)
        {
            w[c].CopyTo(row);
            double shift = 0;
            for (var j = 0; j < dim; j++)
            {
                var k = row[j] * scale[j];
                kernel[(long)j * classes + c] = k;
                shift += (double)k * offset[j];
            }
            foldedBias[c] = (float)(bias[c] - shift);
        }
        return new HeadWeights([new DenseLayer(dim, classes, kernel, foldedBias, relu: false)]);
    }
}

using Graft.HeadTrainer.Training;
using Microsoft.ML;

namespace Graft.HeadTrainer.Heads;

/// <summary>
/// The seam every head implements, ML.NET's Fit → ITransformer with a validation set beside the training set:
/// both views carry <see cref="HeadColumns.Features"/> and <see cref="HeadColumns.Label"/> (see <see cref="HeadColumns"/>);
/// the result's <see cref="TrainedHead.Model"/> adds Score and PredictedLabel. The validation view is used only for
/// choosing hyper-parameters and early stopping, never for fitting weights.
/// </summary>
public interface IHeadTrainer
{
    HeadKind Kind { get; }

    /// <summary>Fits the head. <paramref name="progress"/> gets one report per epoch / grid point.</summary>
    TrainedHead Fit(MLContext ml, IDataView train, IDataView validation, IProgress<EpochProgress>? progress = null,
        CancellationToken cancel = default);
}

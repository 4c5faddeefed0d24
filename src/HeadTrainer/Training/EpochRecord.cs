namespace Graft.HeadTrainer.Training;

/// <summary>
/// One row of <c>history.csv</c>: Keras's History for one epoch. <see cref="Loss"/> and <see cref="Accuracy"/> are
/// averaged over the epoch's batches in training mode (dropout on), as Keras reports them; the validation values are
/// computed after the epoch without dropout. Losses are mean sparse categorical cross-entropy in nats.
/// For the linear head a row is one point of the L2 grid (<see cref="L2"/> set, <see cref="Epoch"/> its index); for
/// LightGBM there is one row for the final model.
/// </summary>
public sealed record EpochRecord
{
    public required int Epoch { get; init; }
    public required double Loss { get; init; }
    public required double Accuracy { get; init; }
    public required double ValLoss { get; init; }
    public required double ValAccuracy { get; init; }
    /// <summary>Learning rate used in the epoch; NaN for heads without one.</summary>
    public double LearningRate { get; init; } = double.NaN;
    /// <summary>Wall time of the epoch (training and validation pass), seconds.</summary>
    public required double Seconds { get; init; }
    /// <summary>L2 strength of a linear-head grid point; null for epochs.</summary>
    public double? L2 { get; init; }
}

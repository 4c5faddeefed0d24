namespace Graft.FineTuner.Training;

/// <summary>One row of <c>history.csv</c>, as Keras's History records it (plus the learning rate and wall time).</summary>
/// <param name="Epoch">1-based epoch number; fine-tuning continues the head-only numbering (the seed's initial_epoch).</param>
/// <param name="Loss">Mean training cross-entropy.</param>
/// <param name="Accuracy">Training accuracy in [0, 1].</param>
/// <param name="ValLoss">Validation cross-entropy (NaN without a validation split).</param>
/// <param name="ValAccuracy">Validation accuracy (NaN without a validation split).</param>
/// <param name="LearningRate">Head learning rate of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
public sealed record EpochRecord(int Epoch, double Loss, double Accuracy, double ValLoss, double ValAccuracy, double LearningRate, double Seconds);

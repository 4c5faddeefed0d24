namespace Graft.HeadTrainer.Evaluation;

/// <summary>An off-diagonal cell of the confusion matrix: images of <see cref="True"/> predicted as
/// <see cref="Predicted"/>; <see cref="ShareOfTrue"/> = count / support of the true class.</summary>
public sealed record ConfusedPair(string True, string Predicted, long Count, double ShareOfTrue);

namespace Graft.HeadTrainer.Evaluation;

/// <summary>One wrongly classified image: its manifest id (path under the dataset root), the true and predicted
/// classes, and the probability the head gave to its (wrong) prediction.</summary>
public sealed record Misclassification(string Id, string True, string Predicted, double Confidence);

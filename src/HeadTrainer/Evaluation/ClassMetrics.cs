namespace Graft.HeadTrainer.Evaluation;

/// <summary>Precision, recall, F1 and support of one class.</summary>
public sealed record ClassMetrics(string Name, double Precision, double Recall, double F1, long Support);

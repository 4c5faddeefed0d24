namespace Graft.HeadTrainer.Runs;

/// <summary>One row of <see cref="ParameterSummary"/>: a layer, its output shape (None = the batch) and parameters.</summary>
public sealed record SummaryLayer(string Name, string Type, string OutputShape, long Parameters, bool Trainable);

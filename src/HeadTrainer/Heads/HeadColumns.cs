namespace Graft.HeadTrainer.Heads;

/// <summary>
/// Column names of the ML.NET seam every head shares: a head is fitted on an <see cref="Microsoft.ML.IDataView"/> with
/// <see cref="Features"/> (known-size vector of float32, D) and <see cref="Label"/> (key over the C classes; key k+1
/// is class index k, ML.NET's convention where 0 means missing), and its model adds <see cref="Score"/> (vector of C
/// float32 class probabilities, summing to 1) and <see cref="PredictedLabel"/> (key of the arg-max class).
/// </summary>
public static class HeadColumns
{
    public const string Features = "Features";
    public const string Label = "Label";
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";
}

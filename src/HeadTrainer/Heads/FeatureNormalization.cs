namespace Graft.HeadTrainer.Heads;

/// <summary>How the linear head scales features before the logistic regression.</summary>
public enum FeatureNormalization
{
    /// <summary>(x − mean) / std per feature, fitted on the training split.</summary>
    MeanVariance,
    /// <summary>Maps each feature's training range to [0, 1] (ML.NET NormalizeMinMax, zero kept at zero).</summary>
    MinMax,
    /// <summary>Features as cached.</summary>
    None,
}

namespace Graft.HeadTrainer.Heads;

/// <summary>
/// Hyper-parameters of the <c>lightgbm</c> head (ML.NET LightGbm multiclass, softmax objective). Defaults are for a
/// few thousand dense CNN features per image and small datasets: shallow trees (15 leaves, at least 5 rows per leaf)
/// because there are few rows, a column fraction of 0.5 per tree because hundreds or thousands of correlated
/// features make full scans slow and add little, and early stopping on the validation log-loss.
/// </summary>
public sealed record LightGbmOptions
{
    /// <summary>Boosting rounds at most (one tree per class per round).</summary>
    public int MaxIterations { get; init; } = 500;

    public double LearningRate { get; init; } = 0.1;

    public int Leaves { get; init; } = 15;

    public int MinExamplesPerLeaf { get; init; } = 5;

    /// <summary>Fraction of features each tree may split on (LightGBM feature_fraction).</summary>
    public double FeatureFraction { get; init; } = 0.5;

    /// <summary>Stop when the validation log-loss has not improved for this many rounds; 0 = never.</summary>
    public int EarlyStoppingRounds { get; init; } = 20;

    /// <summary>
    /// Threads; 0 = automatic: one thread below <see cref="SingleThreadBelowRows"/> training rows, all cores above.
    /// Why: LightGBM's OpenMP threads meet at a barrier for every histogram; on small data that work is tiny, and on a
    /// machine where another process holds a core the spinning barrier stalled: the same 1 500-row fit took 2.7 s
    /// with one thread and anywhere from 3 s to 260 s with two. LightGBM's own guidance is also to use few threads
    /// for small data.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>Training rows below which automatic <see cref="Threads"/> uses one thread.</summary>
    public const int SingleThreadBelowRows = 5000;

    public void Validate()
    {
        if (MaxIterations < 1) throw new GraftException($"LightGBM iterations {MaxIterations} must be at least 1.");
        if (LearningRate is <= 0 or > 1) throw new GraftException($"LightGBM learning rate {LearningRate} must be in (0, 1].");
        if (Leaves < 2) throw new GraftException($"LightGBM leaves {Leaves} must be at least 2.");
        if (MinExamplesPerLeaf < 1) throw new GraftException($"LightGBM minimum rows per leaf {MinExamplesPerLeaf} must be at least 1.");
        if (FeatureFraction is <= 0 or > 1) throw new GraftException($"LightGBM feature fraction {FeatureFraction} must be in (0, 1].");
        if (EarlyStoppingRounds < 0) throw new GraftException($"LightGBM early stopping rounds {EarlyStoppingRounds} must be 0 or more.");
    }
}

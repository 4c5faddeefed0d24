namespace Graft.HeadTrainer.Deployment;

/// <summary>One image's prediction: the top classes with their probabilities, or why it could not be used.</summary>
public sealed record ImagePrediction(string Path, IReadOnlyList<ClassProbability> Top, string? Skipped = null)
{
    /// <summary>The most probable class, or null for a skipped image.</summary>
    public string? Label => Top.Count > 0 ? Top[0].Label : null;
}

/// <summary>A class and its probability.</summary>
public sealed record ClassProbability(string Label, int Index, float Probability);

using Graft.FeatureCache.Store;

namespace Graft.HeadTrainer.Training;

/// <summary>
/// The rows a head is trained and selected on, read from one feature set of a cache: <see cref="Train"/> for fitting,
/// <see cref="Validation"/> for model selection and early stopping. The test split is never read for training; only
/// its labels are checked against the training classes.
/// </summary>
public sealed class TrainingData
{
    public required FeatureSet Set { get; init; }
    public required DatasetManifest Manifest { get; init; }
    public required LabeledFeatures Train { get; init; }
    public required LabeledFeatures Validation { get; init; }
    public required ValidationSource ValidationSource { get; init; }

    /// <summary>Label i is ClassNames[i], from the cache's manifest.</summary>
    public IReadOnlyList<string> ClassNames => Manifest.ClassNames;

    public int Classes => Manifest.ClassNames.Count;

    public int Dimension => Set.Spec.Dimension;

    /// <summary>Images of the test split (features not read).</summary>
    public required int TestCount { get; init; }

    /// <summary>Train/validation images whose features are listed in the manifest but missing or damaged in the cache.</summary>
    public required int MissingFeatures { get; init; }

    /// <summary>Images precompute skipped (unreadable), in all splits.</summary>
    public required int Skipped { get; init; }
}

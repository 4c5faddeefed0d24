using Graft.FeatureCache.Backbones;
using Graft.HeadTrainer.Heads;

namespace Graft.HeadTrainer;

/// <summary>
/// Everything <see cref="HeadTraining.Train"/> needs besides the cache and the run folder. Immutable; every value is
/// written to the run's config.json.
/// </summary>
public sealed record HeadTrainingOptions
{
    public HeadKind Head { get; init; } = HeadKind.Linear;

    /// <summary>Seeds everything random: the validation hold-out, MLP initialisation, shuffles and dropout, LightGBM's
    /// sampling, ML.NET's context.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Share of each class's training rows held out for validation when the cache has no validation split.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Hold out validation rows from train even when the cache has a validation split (which then stays
    /// untouched, e.g. to report on it without selection bias).</summary>
    public bool HoldOutValidation { get; init; }

    public LinearOptions Linear { get; init; } = new();

    public MlpOptions Mlp { get; init; } = new();

    public LightGbmOptions LightGbm { get; init; } = new();

    /// <summary>The backbone that made the features, copied to the run as backbone.json and counted in the summary.
    /// Null: looked up in the default catalog by the feature set's backbone name (and skipped when not found).</summary>
    public BackboneDescriptor? Backbone { get; init; }

    /// <summary>Train without the images whose cached features are missing or damaged, instead of refusing
    /// (<see cref="Graft.FeatureCache.Store.MissingFeatures"/>); recorded in config.json.</summary>
    public bool AllowMissing { get; init; }

    /// <summary>Replace the contents of an existing, non-empty run folder.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Throws <see cref="GraftException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (ValidationFraction is <= 0 or >= 1 || double.IsNaN(ValidationFraction))
            throw new GraftException($"Validation fraction {ValidationFraction} must be between 0 and 1 (exclusive).");
        switch (Head)
        {
            case HeadKind.Linear: Linear.Validate(); break;
            case HeadKind.Mlp: Mlp.Validate(); break;
            case HeadKind.LightGbm: LightGbm.Validate(); break;
            default: throw new GraftException($"Unknown head {Head}.");
        }
    }
}

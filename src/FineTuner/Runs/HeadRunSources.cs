using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
namespace Graft.FineTuner.Runs;

/// <summary>Overrides for what a head-training run records (a moved cache, another descriptor of the same model).</summary>
public sealed record HeadRunSources
{
    /// <summary>Feature cache folder to read the manifest from instead of the run's config.cache.</summary>
    public string? Cache { get; init; }

    /// <summary>Backbone name, descriptor .json or .onnx instead of the run's backbone.json; its model must be the one
    /// the run's features came from (same SHA-256).</summary>
    public string? Backbone { get; init; }

    /// <summary>The head as ONNX (Features → Score) instead of the run's head.onnx.</summary>
    public string? HeadFile { get; init; }

    /// <summary>Dropout before the head's last layer while fine-tuning, instead of the run's mlp.dropout.</summary>
    public float? Dropout { get; init; }

    /// <summary>Go on when the run's cached features are missing or damaged for some images (the head-only evaluation
    /// then leaves them out) instead of refusing.</summary>
    public bool AllowMissing { get; init; }
}

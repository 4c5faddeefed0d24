using System.Text.Json;
using System.Text.Json.Serialization;
using Graft.FeatureCache.Store;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Runs;

/// <summary>
/// config.json of a run folder: everything needed to reproduce the run (cache, feature set and its spec, backbone,
/// head and every hyper-parameter, seed, classes, split sizes and where validation came from, Graft's version) and
/// what training decided. Written last, so a folder with a config.json holds a finished run.
/// </summary>
public sealed record RunConfig
{
    public const string FormatName = "graft-run-1";

    public string Format { get; init; } = FormatName;
    public required string GraftVersion { get; init; }
    public required DateTime CreatedUtc { get; init; }

    /// <summary>"linear", "mlp" or "lightgbm".</summary>
    public required string Head { get; init; }
    public required long Seed { get; init; }

    /// <summary>Absolute path of the feature cache the run was trained from.</summary>
    public required string Cache { get; init; }
    public required string FeatureSetId { get; init; }
    public required FeatureSetSpec FeatureSet { get; init; }

    /// <summary>The backbone that made the features; <see cref="RunBackbone.DescriptorFile"/> names backbone.json when
    /// the descriptor was found.</summary>
    public required RunBackbone Backbone { get; init; }

    /// <summary>Label i is ClassNames[i].</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required RunDataset Dataset { get; init; }
    public required RunSplits Splits { get; init; }

    /// <summary>True when the run was trained with <c>--allow-missing</c>: <see cref="RunSplits.MissingFeatures"/> images
    /// whose cached features were missing or damaged were left out.</summary>
    public bool AllowMissing { get; init; }

    /// <summary>Exactly one of these is set: the options of <see cref="Head"/>.</summary>
    public LinearOptions? Linear { get; init; }
    public MlpOptions? Mlp { get; init; }
    public LightGbmOptions? LightGbm { get; init; }

    /// <summary>What model selection decided (chosen L2, best epoch, trees...).</summary>
    public required IReadOnlyDictionary<string, JsonElement> Selection { get; init; }

    /// <summary>Validation loss and accuracy of the kept model.</summary>
    public required double ValidationLoss { get; init; }
    public required double ValidationAccuracy { get; init; }

    /// <summary>Wall time of fitting the head, seconds (reading the cache and writing the folder not included).</summary>
    public required double TrainingSeconds { get; init; }

    [JsonIgnore]
    public HeadKind HeadKind => HeadKinds.Parse(Head);

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}

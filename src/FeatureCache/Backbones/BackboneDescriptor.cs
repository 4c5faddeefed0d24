using System.Text.Json;
using System.Text.Json.Serialization;
using Graft.FeatureCache.Preprocessing;

namespace Graft.FeatureCache.Backbones;

/// <summary>
/// Everything Graft needs to run a frozen ONNX backbone as a feature extractor — timm's "pretrained config" adapted:
/// identity, the model file and its hash, input and preprocessing, and the pooled feature output. Stored as one small
/// JSON file per backbone under <c>models/onnx</c>; a user describes any ONNX CNN the same way.
/// </summary>
public sealed record BackboneDescriptor
{
    /// <summary>Short name used on the command line (<c>--backbone resnet18</c>).</summary>
    public required string Name { get; init; }

    /// <summary>timm-style id: architecture.weights_dataset, e.g. "resnet18.cntk_in1k".</summary>
    public string? Id { get; init; }

    public string? Description { get; init; }

    /// <summary>Licence of the weights.</summary>
    public string? License { get; init; }

    /// <summary>Where the weights come from (paper, package, export recipe).</summary>
    public string? Origin { get; init; }

    /// <summary>The ONNX model file.</summary>
    public required ModelFileSource Model { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the model file as shipped. Checked before use; null for a user model not yet
    /// hashed (Graft then hashes it and keys features by that hash).</summary>
    public string? Sha256 { get; init; }

    public required BackboneInput Input { get; init; }

    public required PreprocessSpec Preprocess { get; init; }

    public required BackboneOutput Output { get; init; }

    /// <summary>How the fine-tuner counts this backbone's layers and where its customary cut lies; optional.</summary>
    public BackboneFineTune? FineTune { get; init; }

    /// <summary>A golden image and its expected features; optional.</summary>
    public BackboneCheck? Check { get; init; }

    /// <summary>Path of the JSON file this descriptor was read from; null when built in code.</summary>
    [JsonIgnore]
    public string? DescriptorPath { get; init; }

    /// <summary>Throws <see cref="GraftException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        var owner = $"Backbone '{Name}'";
        if (string.IsNullOrWhiteSpace(Name)) throw new GraftException("A backbone descriptor has no name.");
        if (string.IsNullOrWhiteSpace(Model?.Path)) throw new GraftException($"{owner}: the model file path is missing.");
        if (string.IsNullOrWhiteSpace(Input?.Name)) throw new GraftException($"{owner}: the input name is missing.");
        if (string.IsNullOrWhiteSpace(Output?.Name)) throw new GraftException($"{owner}: the output name is missing.");
        if (Output.Dimension < 1) throw new GraftException($"{owner}: feature dimension {Output.Dimension} must be positive.");
        Preprocess.Validate(owner);
        if (Sha256 is not null && (Sha256.Length != 64 || !Sha256.All(Uri.IsHexDigit)))
            throw new GraftException($"{owner}: sha256 '{Sha256}' is not 64 hex digits.");
        FineTune?.Validate(owner);
        if (Check is { } c && (c.Features.Length == 0 || c.Features.Length > Output.Dimension || c.Tolerance <= 0))
            throw new GraftException($"{owner}: check needs 1..{Output.Dimension} features and a positive tolerance.");
    }

    /// <summary>JSON options used for descriptor files: camelCase, enums as strings, indented.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Reads and validates a descriptor file. Throws <see cref="GraftException"/> for a missing or malformed file.</summary>
    public static BackboneDescriptor Load(string path)
    {
        if (!File.Exists(path)) throw new GraftException($"Backbone descriptor '{path}' does not exist.");
        BackboneDescriptor? d;
        try
        {
            d = JsonSerializer.Deserialize<BackboneDescriptor>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new GraftException($"Backbone descriptor '{path}' is not valid: {e.Message}", "See models/onnx/README.md for the format.");
        }
        if (d is null) throw new GraftException($"Backbone descriptor '{path}' is empty.");
        d = d with { DescriptorPath = Path.GetFullPath(path) };
        d.Validate();
        return d;
    }

    /// <summary>
    /// This descriptor with user-file paths made absolute (relative ones are taken from the descriptor's own folder),
    /// so a copy saved elsewhere — a run folder's backbone.json — still finds its model. Package paths stay as they are.
    /// </summary>
    public BackboneDescriptor WithAbsolutePaths()
    {
        var dir = DescriptorPath is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(DescriptorPath)!;
        ModelFileSource Rebase(ModelFileSource s) =>
            s.IsPackage || Path.IsPathRooted(ModelFileLocator.ExpandHome(s.Path)) ? s : s with { Path = Path.GetFullPath(Path.Combine(dir, s.Path)) };
        var mean = Preprocess.MeanImage;
        return this with
        {
            Model = Rebase(Model),
            Preprocess = mean is null ? Preprocess : Preprocess with { MeanImage = mean with { File = Rebase(mean.File) } },
            Check = Check is null || Path.IsPathRooted(Check.Image) ? Check : Check with { Image = Path.GetFullPath(Path.Combine(dir, Check.Image)) },
        };
    }

    /// <summary>Writes the descriptor as indented JSON.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions) + "\n");
}

/// <summary>The model's image input.</summary>
public sealed record BackboneInput
{
    /// <summary>Name of the ONNX graph input.</summary>
    public required string Name { get; init; }

    /// <summary>True when the exported graph fixes the batch dimension at 1 (CNTK exports); Graft then writes a copy
    /// with a symbolic batch dimension, once, keyed by the model hash.</summary>
    public bool FixedBatch { get; init; }
}

/// <summary>The pooled feature output.</summary>
public sealed record BackboneOutput
{
    /// <summary>Name of the ONNX graph output holding the features.</summary>
    public required string Name { get; init; }

    /// <summary>Feature width D (512 for ResNet18, 4032 for NASNetLarge).</summary>
    public required int Dimension { get; init; }

    /// <summary>How the output becomes a D-vector: the graph already pools ([N,D] or [N,D,1,1]), or Graft averages an
    /// [N,D,H,W] map over H×W (NCHW) / an [N,H,W,D] map (NHWC).</summary>
    public OutputPooling Pooling { get; init; } = OutputPooling.InGraph;
}

/// <summary>See <see cref="BackboneOutput.Pooling"/>.</summary>
public enum OutputPooling
{
    InGraph,
    GlobalAverage,
}

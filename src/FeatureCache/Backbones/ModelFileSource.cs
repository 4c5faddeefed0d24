using System.Text.Json.Serialization;

namespace Graft.FeatureCache.Backbones;

/// <summary>
/// Where a model file comes from: a file inside a NuGet package (found in the build output or the NuGet cache) or a
/// path the user supplies (absolute, or relative to the descriptor file). Weights are never committed to the repo.
/// </summary>
public sealed record ModelFileSource
{
    /// <summary>NuGet package id, e.g. "Microsoft.ML.DnnImageFeaturizer.ResNet18"; null for a user file.</summary>
    public string? Package { get; init; }

    /// <summary>Package version, e.g. "0.23.1".</summary>
    public string? Version { get; init; }

    /// <summary>Path inside the package's content as copied to the build output,
    /// e.g. "DnnImageModels/ResNet18Onnx/ResNet18.onnx"; for a user file the path itself.</summary>
    public required string Path { get; init; }

    /// <summary>Text for messages: "nuget:Package/Version/Path" or the path.</summary>
    public override string ToString() => Package is null ? Path : $"nuget:{Package}/{Version}/{Path}";

    [JsonIgnore]
    public bool IsPackage => Package is not null;
}

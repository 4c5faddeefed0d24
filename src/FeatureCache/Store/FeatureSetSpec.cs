using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Graft.FeatureCache.Backbones;

namespace Graft.FeatureCache.Store;

/// <summary>
/// What made a set of features: the backbone's model hash and pooled output, the resolved preprocessing, the decoder
/// and the stored dtype. Its <see cref="Id"/> names the set's folder, so features made any other way can never be
/// mixed in: a different model file, crop, mean or resampler lands in a different folder.
/// </summary>
public sealed record FeatureSetSpec
{
    /// <summary>Bumped when Graft's decode/resize code changes what a tensor holds for the same spec.</summary>
    public const string DecoderVersion = "imagesharp-2.1.13+skia-libjpeg-turbo/graft-decode-2";

    public required string BackboneName { get; init; }
    public string? BackboneId { get; init; }
    public required string ModelSha256 { get; init; }
    public required string InputName { get; init; }
    public required string OutputName { get; init; }
    public required OutputPooling Pooling { get; init; }
    public required int Dimension { get; init; }
    public required string Preprocess { get; init; }
    public required FeatureDType DType { get; init; }
    public string Decoder { get; init; } = DecoderVersion;

    /// <summary>16 hex digits of SHA-256 over <see cref="CanonicalText"/>.</summary>
    [JsonIgnore]
    public string Id => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText())))[..16];

    /// <summary>Everything that changes the stored numbers, in a fixed order. The backbone's name is not part of it:
    /// renaming a descriptor keeps its features.</summary>
    public string CanonicalText() => string.Join('\n',
        $"model={ModelSha256}", $"input={InputName}", $"output={OutputName}", $"pooling={Pooling}", $"dim={Dimension}",
        $"preprocess={Preprocess}", $"decoder={Decoder}", $"dtype={DType.ToName()}");

    /// <summary>The spec of features <paramref name="backbone"/> produces from its model file hash.</summary>
    public static FeatureSetSpec For(BackboneDescriptor backbone, string modelSha256, FeatureDType dtype) => new()
    {
        BackboneName = backbone.Name,
        BackboneId = backbone.Id,
        ModelSha256 = modelSha256,
        InputName = backbone.Input.Name,
        OutputName = backbone.Output.Name,
        Pooling = backbone.Output.Pooling,
        Dimension = backbone.Output.Dimension,
        Preprocess = backbone.Preprocess.CanonicalText(),
        DType = dtype,
    };
}

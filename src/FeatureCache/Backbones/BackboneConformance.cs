using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Preprocessing;

namespace Graft.FeatureCache.Backbones;

/// <summary>What <see cref="BackboneConformance.Run"/> found: the layer count and cut against the descriptor's
/// <c>fineTune</c> section, and the golden image's features against its <c>check</c> section.</summary>
public sealed record BackboneConformanceResult
{
    public required string ModelPath { get; init; }
    public required string ModelSha256 { get; init; }
    public required int LayersFound { get; init; }
    public required string LayerRuleFound { get; init; }
    public int? LayersDeclared { get; init; }
    /// <summary>Blocks and stages <see cref="BackboneLayers"/> finds (0 for a model without PyTorch module names).</summary>
    public int BlocksFound { get; init; }
    public int StagesFound { get; init; }
    public int? BlocksDeclared { get; init; }
    public int? StagesDeclared { get; init; }
    /// <summary>Index of <c>fineTune.trainFrom</c> in the layer table; −1 when it is missing; null when none is named.</summary>
    public int? TrainFromIndex { get; init; }
    /// <summary>Largest |Δ| over the check's listed features, relative to their largest magnitude; null without a check.</summary>
    public float? FeatureDeviation { get; init; }
    /// <summary>|Δ| of the feature vector's L2 norm, relative to the declared norm.</summary>
    public float? NormDeviation { get; init; }
    public float? Tolerance { get; init; }
    /// <summary>The golden image's features as computed (all D of them), to write a new check section from.</summary>
    public float[]? Features { get; init; }

    public bool LayersAgree => LayersDeclared is null || LayersDeclared == LayersFound;
    public bool BlocksAgree => (BlocksDeclared is null || BlocksDeclared == BlocksFound) && (StagesDeclared is null || StagesDeclared == StagesFound);
    public bool FeaturesAgree => FeatureDeviation is null || (FeatureDeviation <= Tolerance && NormDeviation <= Tolerance);
    public bool Passed => LayersAgree && BlocksAgree && TrainFromIndex is not -1 && FeaturesAgree;
}

/// <summary>
/// Verifies a backbone against its descriptor beyond the hash: the layer table the fine-tuner will use has the
/// declared size and contains the declared cut, and the golden image gives the declared features. One type answers
/// "how many layers does NASNetLarge have, and who says so": the descriptor states it, <see cref="BackboneLayers"/>
/// counts it, this compares the two.
/// </summary>
public static class BackboneConformance
{
    public static BackboneConformanceResult Run(BackboneDescriptor descriptor)
    {
        var file = BackboneModelFile.Open(descriptor);
        var layers = BackboneLayers.Of(file.Read());
        var fine = descriptor.FineTune;
        var result = new BackboneConformanceResult
        {
            ModelPath = file.Path,
            ModelSha256 = file.Sha256,
            LayersFound = layers.Count,
            LayerRuleFound = layers.FromMetadata ? "kerasLayers" : "onnxNodes",
            LayersDeclared = fine?.Layers,
            BlocksFound = layers.Blocks.Count,
            StagesFound = layers.Stages.Count,
            BlocksDeclared = fine?.Blocks,
            StagesDeclared = fine?.Stages,
            TrainFromIndex = fine?.TrainFrom is { } from ? layers.FirstLayerOf(from) : null,
        };
        if (descriptor.Check is not { } check) return result;

        var features = GoldenFeatures(file, check);
        var listed = check.Features;
        var scale = Math.Max(listed.Max(MathF.Abs), 1e-12f);
        var deviation = listed.Select((v, i) => MathF.Abs(v - features[i])).Max() / scale;
        var norm = MathF.Sqrt(features.Sum(v => v * v));
        return result with
        {
            FeatureDeviation = deviation,
            NormDeviation = MathF.Abs(norm - check.Norm) / Math.Max(check.Norm, 1e-12f),
            Tolerance = check.Tolerance,
            Features = features,
        };
    }

    /// <summary>Pooled features of the check image, decoded and preprocessed exactly as precompute does.</summary>
    public static float[] GoldenFeatures(BackboneModelFile file, BackboneCheck check)
    {
        var dir = file.DescriptorDirectory ?? Directory.GetCurrentDirectory();
        var imagePath = Path.GetFullPath(Path.Combine(dir, check.Image));
        if (!File.Exists(imagePath)) throw new GraftException($"The check image '{imagePath}' does not exist.");
        SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> decoded;
        try
        {
            var decoder = new ImageDecoder();
            decoded = decoder.Decode(ImageFileReader.Read(imagePath, decoder.Limits.MaxFileMegabytes)); // bounded, regular files only
        }
        catch (ImageRejectedException e)
        {
            throw new GraftException($"The check image '{imagePath}' is unusable ({e.Reason}): {e.Message}");
        }
        using var image = decoded;
        var preprocessor = new Preprocessor(file.Descriptor.Preprocess, file.LoadMeanImage());
        using var backbone = OnnxBackbone.Load(file, new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = 1 });
        preprocessor.Apply(image, backbone.InputBuffer.AsSpan(0, file.Descriptor.Preprocess.TensorLength));
        backbone.Run(1);
        return backbone.OutputBuffer.AsSpan(0, backbone.Dimension).ToArray();
    }
}

using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Graft.ModelImport.Onnx;

namespace Graft.ModelImport;

/// <summary>
/// The backbone descriptor written beside an imported model: Keras "tf" preprocessing (x/127.5 − 1, RGB, NCHW, squash
/// resize to the native size, applied by Graft outside the graph), input <c>input_1</c>, pooled output
/// <c>global_average_pooling2d</c>, and the model file pinned by SHA-256. For NASNetLarge named <c>nasnet_large</c> it
/// equals the shipped <c>models/onnx/nasnet_large.json</c> plus the hash.
/// </summary>
public static class ImportedDescriptor
{
    /// <param name="architecture">What was built.</param>
    /// <param name="onnxPath">The written model; the descriptor refers to it by file name (it lies beside it).</param>
    /// <param name="sha256">The model file's SHA-256.</param>
    /// <param name="randomSeed">Seed of random weights; null for weights from a Keras file.</param>
    public static BackboneDescriptor Create(KerasArchitecture architecture, string onnxPath, string sha256, int? randomSeed)
    {
        var size = architecture.ImageSize;
        var random = randomSeed is { } seed;
        return new BackboneDescriptor
        {
            Name = Path.GetFileNameWithoutExtension(onnxPath),
            Id = random ? architecture.DescriptorId.Replace("keras_in1k", $"random_seed{randomSeed}") : architecture.DescriptorId,
            Description = random
                ? $"{architecture.Summary.Replace("with Keras ImageNet weights", "with RANDOM weights (seed " + randomSeed + ")")}. For tests and benchmarks only: its features carry no information. Built by graft backbone import-keras --random-init."
                : $"{architecture.Summary}. Built by graft backbone import-keras from the user's {architecture.WeightFileName}.",
            License = random ? "none (random weights)" : "Apache-2.0 (Keras applications weights)",
            Origin = random
                ? $"{architecture.KerasCall}, weights=None; graft random init seed {randomSeed}"
                : $"{architecture.KerasCall.Replace(")", ", weights='imagenet')")}; ImageNet top-1 {architecture.ImageNetTop1:0.000}",
            Model = new ModelFileSource { Path = Path.GetFileName(onnxPath) },
            Sha256 = sha256,
            Input = new BackboneInput { Name = "input_1" },
            Preprocess = new PreprocessSpec
            {
                Width = size,
                Height = size,
                Layout = TensorLayout.Nchw,
                ChannelOrder = ChannelOrder.Rgb,
                Resize = ResizeMode.Squash,
                Interpolation = Interpolation.Bilinear,
                Scale = 1f / 127.5f,
                Mean = [1f, 1f, 1f],
                Std = [1f, 1f, 1f],
            },
            Output = new BackboneOutput
            {
                Name = GraftModelMetadata.PooledOutput,
                Dimension = architecture.FeatureDimension,
                Pooling = OutputPooling.InGraph,
            },
        };
    }
}

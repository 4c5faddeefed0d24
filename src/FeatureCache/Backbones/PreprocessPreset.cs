using Graft.FeatureCache.Preprocessing;

namespace Graft.FeatureCache.Backbones;

/// <summary>
/// The three normalisations of Keras's <c>imagenet_utils.preprocess_input</c>, for describing an ONNX file by flags:
/// "torch" (RGB, /255, ImageNet mean/std), "tf" (RGB, x/127.5 − 1; NASNet, Inception, MobileNet) and "caffe"
/// (BGR, 0..255 minus the ImageNet channel means; VGG, Keras ResNet50).
/// </summary>
public static class PreprocessPreset
{
    public static IReadOnlyList<string> Names { get; } = ["torch", "tf", "caffe"];

    /// <summary>Returns <paramref name="spec"/> with the preset's channel order, scale, mean and std.</summary>
    public static PreprocessSpec Apply(string name, PreprocessSpec spec) => name.ToLowerInvariant() switch
    {
        "torch" => spec with { ChannelOrder = ChannelOrder.Rgb, Scale = 1f / 255f, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f] },
        "tf" => spec with { ChannelOrder = ChannelOrder.Rgb, Scale = 1f / 127.5f, Mean = [1f, 1f, 1f], Std = [1f, 1f, 1f] },
        "caffe" => spec with { ChannelOrder = ChannelOrder.Bgr, Scale = 1f, Mean = [103.939f, 116.779f, 123.68f], Std = [1f, 1f, 1f] },
        _ => throw new GraftException($"Unknown preprocessing preset '{name}'.", "Use torch, tf or caffe (Keras preprocess_input modes)."),
    };
}

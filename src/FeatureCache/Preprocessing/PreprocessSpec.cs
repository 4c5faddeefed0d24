using System.Globalization;
using System.Text.Json.Serialization;

namespace Graft.FeatureCache.Preprocessing;

/// <summary>How an image is resized to the backbone's input.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResizeMode>))]
public enum ResizeMode
{
    /// <summary>Stretch to exactly Width×Height, ignoring aspect ratio (Keras <c>image.resize</c>, the seed's choice).</summary>
    Squash,
    /// <summary>Scale the shorter side to size / <see cref="PreprocessSpec.CropFraction"/>, then take the central
    /// Width×Height (timm/torchvision evaluation; ML.NET's IsoCrop when CropFraction is 1).</summary>
    CenterCrop,
}

/// <summary>Resampling filter used by the resize.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Interpolation>))]
public enum Interpolation
{
    Nearest,
    Bilinear,
    Bicubic,
    Lanczos3,
}

/// <summary>Order of the colour planes the model expects.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChannelOrder>))]
public enum ChannelOrder
{
    Rgb,
    Bgr,
}

/// <summary>Memory layout of the input tensor.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TensorLayout>))]
public enum TensorLayout
{
    /// <summary>Batch, channel, height, width (PyTorch, CNTK, most ONNX exports).</summary>
    Nchw,
    /// <summary>Batch, height, width, channel (TensorFlow/Keras exports via tf2onnx).</summary>
    Nhwc,
}

/// <summary>
/// A backbone's input preprocessing, part of its descriptor (timm's "pretrained config"). For each pixel p in 0..255
/// of channel c (in <see cref="ChannelOrder"/>) at (y, x) of the resized image the tensor value is
/// <c>(p × Scale − Mean[c]) / Std[c] − MeanImage[c, y, x]</c>.
/// Examples: ImageNet torchvision: Scale 1/255, Mean 0.485,0.456,0.406, Std 0.229,0.224,0.225, RGB.
/// Keras "tf" mode (NASNet): Scale 1/127.5, Mean 1,1,1, Std 1,1,1 (x/127.5 − 1). CNTK ResNet18: Scale 1, Mean 0,
/// Std 1, BGR, and a per-pixel mean image.
/// </summary>
public sealed record PreprocessSpec
{
    /// <summary>Input width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Input height in pixels.</summary>
    public required int Height { get; init; }

    public TensorLayout Layout { get; init; } = TensorLayout.Nchw;

    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.Rgb;

    public ResizeMode Resize { get; init; } = ResizeMode.Squash;

    /// <summary>For <see cref="ResizeMode.CenterCrop"/>: the crop covers this fraction of the resized shorter side
    /// (timm's crop_pct; 0.875 for classic ImageNet eval, 1.0 crops nothing beyond the aspect ratio).</summary>
    public double CropFraction { get; init; } = 1.0;

    public Interpolation Interpolation { get; init; } = Interpolation.Bilinear;

    /// <summary>Multiplier applied to the 0..255 pixel value first.</summary>
    public float Scale { get; init; } = 1f / 255f;

    /// <summary>Per-channel mean subtracted after scaling, in <see cref="ChannelOrder"/>.</summary>
    public float[] Mean { get; init; } = [0f, 0f, 0f];

    /// <summary>Per-channel divisor after the mean, in <see cref="ChannelOrder"/>.</summary>
    public float[] Std { get; init; } = [1f, 1f, 1f];

    /// <summary>Optional per-pixel mean image subtracted last (CNTK-style models); null when none.</summary>
    public MeanImageSource? MeanImage { get; init; }

    /// <summary>Number of floats in one image's tensor (3 × Width × Height).</summary>
    [JsonIgnore]
    public int TensorLength => 3 * Width * Height;

    /// <summary>Throws <see cref="GraftException"/> when a field is out of range.</summary>
    public void Validate(string owner)
    {
        if (Width is < 1 or > 8192 || Height is < 1 or > 8192)
            throw new GraftException($"{owner}: input size {Width}×{Height} is out of range.", "Width and height must be 1..8192.");
        if (Mean is not { Length: 3 } || Std is not { Length: 3 })
            throw new GraftException($"{owner}: mean and std need three values each (one per channel).");
        if (Std.Any(s => s == 0 || !float.IsFinite(s)) || Mean.Any(m => !float.IsFinite(m)) || !float.IsFinite(Scale) || Scale == 0)
            throw new GraftException($"{owner}: scale, mean and std must be finite and std/scale non-zero.");
        if (CropFraction is <= 0 or > 1)
            throw new GraftException($"{owner}: crop fraction {CropFraction} must be in (0, 1].");
    }

    /// <summary>
    /// A canonical, culture-invariant text of everything that changes the tensor. Part of the feature store key:
    /// two specs with the same text produce the same tensor for the same image bytes.
    /// </summary>
    public string CanonicalText()
    {
        static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);
        return string.Join(';',
            $"size={Width}x{Height}",
            $"layout={Layout}",
            $"channels={ChannelOrder}",
            $"resize={Resize}",
            $"crop={CropFraction.ToString("R", CultureInfo.InvariantCulture)}",
            $"interp={Interpolation}",
            $"scale={F(Scale)}",
            $"mean={string.Join(',', Mean.Select(F))}",
            $"std={string.Join(',', Std.Select(F))}",
            $"meanimage={MeanImage?.Sha256 ?? "none"}");
    }
}

/// <summary>Where a per-pixel mean image lives: a float initializer inside an ONNX file (as in ML.NET's
/// ResNetPreprocess.onnx), with the file's content hash.</summary>
public sealed record MeanImageSource
{
    /// <summary>Where the ONNX file comes from; resolved like the backbone's own model file.</summary>
    public required Backbones.ModelFileSource File { get; init; }

    /// <summary>Name of the initializer holding the mean image, shape [1, 3, H, W] in the model's channel order.</summary>
    public required string Initializer { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the ONNX file.</summary>
    public required string Sha256 { get; init; }
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Preprocessing;

/// <summary>
/// Applies a <see cref="PreprocessSpec"/>: resizes a decoded RGB image and writes the normalised float tensor of one
/// image (3×H×W for NCHW, H×W×3 for NHWC) into a caller-owned span, so batches are filled without allocations.
/// Thread-safe.
/// </summary>
public sealed class Preprocessor
{
    /// <param name="spec">The backbone's preprocessing.</param>
    /// <param name="meanImage">The resolved per-pixel mean image (CHW, model channel order, length 3·H·W), required
    /// exactly when <see cref="PreprocessSpec.MeanImage"/> is set.</param>
    public Preprocessor(PreprocessSpec spec, float[]? meanImage = null) => throw new NotImplementedException();

    public PreprocessSpec Spec { get; } = null!;

    /// <summary>Resizes <paramref name="image"/> in place per the spec (Squash or CenterCrop, with its interpolation).</summary>
    public void Resize(Image<Rgb24> image) => throw new NotImplementedException();

    /// <summary>Writes the tensor of an image already of the spec's size into <paramref name="destination"/>
    /// (length <see cref="PreprocessSpec.TensorLength"/>).</summary>
    public void WriteTensor(Image<Rgb24> resized, Span<float> destination) => throw new NotImplementedException();

    /// <summary>Resize then <see cref="WriteTensor"/>.</summary>
    public void Apply(Image<Rgb24> image, Span<float> destination)
    {
        Resize(image);
        WriteTensor(image, destination);
    }
}

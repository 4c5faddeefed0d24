using Graft.FeatureCache.Datasets;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Decoding;

/// <summary>
/// Turns <see cref="ImageData"/> into an upright 8-bit RGB image: any format ImageSharp reads, EXIF orientation
/// applied, grey/palette/CMYK/alpha/16-bit converted to RGB24. Thread-safe; one instance serves all decode workers.
/// </summary>
public sealed class ImageDecoder
{
    public ImageDecoder(DecoderLimits? limits = null) => Limits = limits ?? DecoderLimits.Default;

    public DecoderLimits Limits { get; }

    /// <summary>Decodes one image. Throws <see cref="ImageRejectedException"/> for anything unusable; never anything else
    /// for bad bytes.</summary>
    public Image<Rgb24> Decode(ImageData data) => throw new NotImplementedException("Decoding helper implements this.");
}

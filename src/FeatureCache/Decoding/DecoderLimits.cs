namespace Graft.FeatureCache.Decoding;

/// <summary>
/// Caps that keep hostile or huge files from exhausting memory (ImageSharp's own advice for untrusted input).
/// A file over a cap is skipped with <see cref="RejectReason.TooLarge"/>, never decoded.
/// </summary>
public sealed record DecoderLimits
{
    /// <summary>Largest decoded image accepted, in megapixels (width × height / 1e6), checked from the header before
    /// decoding. 100 MP is a 10000×10000 photo, ~300 MB as RGB24.</summary>
    public double MaxImageMegapixels { get; init; } = 100;

    /// <summary>Largest encoded file accepted, in megabytes.</summary>
    public double MaxFileMegabytes { get; init; } = 256;

    public static DecoderLimits Default { get; } = new();
}

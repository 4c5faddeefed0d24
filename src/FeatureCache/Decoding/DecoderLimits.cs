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

    /// <summary>Largest encoded file accepted, in megabytes of 1,048,576 bytes (ImageSharp's unit).</summary>
    public double MaxFileMegabytes { get; init; } = 256;

    public static DecoderLimits Default { get; } = new();

    /// <summary>Throws <see cref="GraftException"/> when a cap is not a positive finite number.</summary>
    public void Validate()
    {
        if (!double.IsFinite(MaxImageMegapixels) || MaxImageMegapixels <= 0)
            throw new GraftException($"Image size limit {MaxImageMegapixels} MP is not a positive number.", "Give a limit such as 100 (megapixels).");
        if (!double.IsFinite(MaxFileMegabytes) || MaxFileMegabytes <= 0)
            throw new GraftException($"File size limit {MaxFileMegabytes} MB is not a positive number.", "Give a limit such as 256 (megabytes).");
    }
}

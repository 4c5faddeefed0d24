namespace Graft.FeatureCache.Decoding;

/// <summary>Why an image was skipped. Reported per file and counted in the precompute summary.</summary>
public enum RejectReason
{
    /// <summary>The file has zero bytes.</summary>
    Empty,
    /// <summary>The bytes are not an image format ImageSharp knows (e.g. a text file named .jpg).</summary>
    UnknownFormat,
    /// <summary>A known format whose data is damaged or cut short.</summary>
    Corrupt,
    /// <summary>Header dimensions or file size over <see cref="DecoderLimits"/> (decompression bombs).</summary>
    TooLarge,
    /// <summary>A known format with a feature ImageSharp cannot decode.</summary>
    Unsupported,
    /// <summary>The file could not be read (missing, permissions, I/O error).</summary>
    Unreadable,
}

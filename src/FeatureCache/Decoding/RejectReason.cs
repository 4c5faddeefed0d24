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
    /// <summary>A FIFO, device, socket or folder with an image's name; skipped before anything opens it (a FIFO blocks
    /// its reader forever, /dev/zero never ends).</summary>
    NotARegularFile,
}

using System.Globalization;
using Graft.FeatureCache.Decoding;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Reads one image file without trusting it: only a regular file is opened (a FIFO would block the reader forever,
/// /dev/zero would fill memory), and the read stops at a size cap instead of taking whatever length the file claims —
/// a file can grow while it is read, and devices report length 0. Every image file Graft reads goes through here.
/// </summary>
public static class ImageFileReader
{
    private const double BytesPerMegabyte = 1024 * 1024;

    /// <summary>The largest cap a byte array can hold, in megabytes.</summary>
    public static double MaxSupportedMegabytes => Math.Floor(Array.MaxLength / BytesPerMegabyte);

    /// <summary>
    /// The bytes of <paramref name="path"/> (links followed). Throws <see cref="ImageRejectedException"/> with
    /// <see cref="RejectReason.NotARegularFile"/> for a FIFO, device, socket or folder (never opened) and
    /// <see cref="RejectReason.TooLarge"/> over <paramref name="maxFileMegabytes"/>; <see cref="FileNotFoundException"/>
    /// or another <see cref="IOException"/> when it cannot be read.
    /// </summary>
    public static ImageData Read(string path, double maxFileMegabytes) => ImageData.Encoded(ReadBytes(path, maxFileMegabytes));

    /// <inheritdoc cref="Read"/>
    public static byte[] ReadBytes(string path, double maxFileMegabytes)
    {
        var max = (long)Math.Min(maxFileMegabytes * BytesPerMegabyte, Array.MaxLength - 1);
        var node = FileNode.Stat(path);
        switch (node.Kind)
        {
            case FileKind.Regular:
                break;
            case FileKind.Missing:
                throw new FileNotFoundException($"Could not find file '{path}' (or it is a link to nothing).", path);
            case FileKind.Unknown:
                throw new IOException($"Cannot examine '{path}': {node.Error}");
            default:
                throw new ImageRejectedException(RejectReason.NotARegularFile,
                    $"'{Path.GetFileName(path)}' is {node.Describe()}, not a regular file; it was not opened.");
        }
        if (node.Size > max) throw TooLarge(node.Size, maxFileMegabytes);

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
        // Sized from the stat, but read to the real end (the file may have changed since): never past max + 1 bytes.
        var buffer = new byte[Math.Max(node.Size, 1)];
        long total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total > max) throw TooLarge(total, maxFileMegabytes);
                Array.Resize(ref buffer, (int)Math.Min(Math.Max(2 * total, 4096), max + 1));
            }
            var n = stream.Read(buffer, (int)total, buffer.Length - (int)total);
            if (n == 0) break;
            total += n;
        }
        if (total > max) throw TooLarge(total, maxFileMegabytes);
        if (total != buffer.Length) Array.Resize(ref buffer, (int)total);
        return buffer;
    }

    private static ImageRejectedException TooLarge(long bytes, double maxFileMegabytes) => new(RejectReason.TooLarge,
        string.Create(CultureInfo.InvariantCulture, $"The file is {bytes / BytesPerMegabyte:0.#} MB or more, over the {maxFileMegabytes} MB limit (--max-file-megabytes)."));
}

using System.Buffers.Binary;
using System.IO.Compression;

namespace Graft.FeatureCache.Decoding;

/// <summary>
/// A structural check ImageSharp 2.1 lacks for PNG, as <see cref="JpegStructure"/> for JPEG: it decodes a PNG cut short
/// (or one whose compressed data holds fewer rows than the header declares) without complaint, the missing rows left
/// black. Such an image would silently become a training sample, so a PNG counts as complete only when its chunks run
/// whole up to an IEND chunk and its IDAT stream inflates to at least the bytes the header's size, colour type, bit
/// depth and interlacing need. Strict like libpng and PIL without <c>LOAD_TRUNCATED_IMAGES</c>; extra data after
/// the image rows or after IEND is allowed.
/// </summary>
internal static class PngStructure
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    // Adam7 passes: x start, y start, x step, y step.
    private static readonly (int X, int Y, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <summary>Null when the PNG is whole, otherwise what is missing (one sentence). Returns null too (leaving the
    /// verdict to the decoder) for a header this check does not understand.</summary>
    public static string? FindDamage(ReadOnlySpan<byte> data)
    {
        if (data.Length < Signature.Length || !data[..Signature.Length].SequenceEqual(Signature)) return null;
        int width = 0, height = 0, bitDepth = 0, colorType = -1, interlace = 0;
        using var idat = new MemoryStream();
        var pos = Signature.Length;
        var sawEnd = false;
        while (pos + 8 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            if (length > int.MaxValue || pos + 12L + length > data.Length)
                return $"PNG data is cut short (chunk '{System.Text.Encoding.ASCII.GetString(type)}' runs past the end of the file).";
            var body = data.Slice(pos + 8, (int)length);
            if (type.SequenceEqual("IHDR"u8) && length >= 13)
            {
                width = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(body), int.MaxValue);
                height = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(body[4..]), int.MaxValue);
                bitDepth = body[8];
                colorType = body[9];
                interlace = body[12];
            }
            else if (type.SequenceEqual("IDAT"u8))
                idat.Write(body);
            else if (type.SequenceEqual("IEND"u8))
            {
                sawEnd = true;
                break;
            }
            pos += 12 + (int)length;
        }
        if (!sawEnd) return "PNG data is cut short (no IEND chunk).";

        var expected = ExpectedScanlineBytes(width, height, bitDepth, colorType, interlace);
        if (expected is null) return null;
        idat.Position = 0;
        long inflated = 0;
        try
        {
            using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
            var scratch = new byte[1 << 16];
            int n;
            while (inflated < expected && (n = zlib.Read(scratch, 0, scratch.Length)) > 0) inflated += n;
        }
        catch (InvalidDataException e)
        {
            return $"PNG image data is damaged ({e.Message}).";
        }
        return inflated < expected
            ? $"PNG image data is cut short: {inflated} of the {expected} bytes of rows the header declares."
            : null;
    }

    /// <summary>Bytes of filtered scanlines (one filter byte per row) a PNG of this header holds; null when unknown.</summary>
    private static long? ExpectedScanlineBytes(int width, int height, int bitDepth, int colorType, int interlace)
    {
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0 || bitDepth is not (1 or 2 or 4 or 8 or 16) || width <= 0 || height <= 0 || interlace is not (0 or 1))
            return null;
        long bitsPerPixel = (long)channels * bitDepth;
        long Rows(long w, long h) => w == 0 || h == 0 ? 0 : h * (1 + (w * bitsPerPixel + 7) / 8);
        if (interlace == 0) return Rows(width, height);
        long total = 0;
        foreach (var (x, y, dx, dy) in Adam7)
            total += Rows((width - x + dx - 1L) / dx, (height - y + dy - 1L) / dy);
        return total;
    }
}

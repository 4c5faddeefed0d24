using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Graft.FeatureCache.Tests.Decoding;

/// <summary>Files no encoder here writes, built byte by byte: a PNG whose header lies about its size, and a CMYK JPEG
/// (ImageSharp 2.1 cannot encode CMYK).</summary>
internal static class HandMadeFiles
{
    /// <summary>A PNG whose IHDR (valid CRC) claims <paramref name="width"/>×<paramref name="height"/> 8-bit RGB, followed
    /// by a tiny IDAT of a few compressed zero bytes and IEND: a decompression bomb's header without the bomb.</summary>
    public static byte[] PngClaiming(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type RGB; compression, filter, interlace stay 0
        WriteChunk(png, "IHDR", ihdr);
        using (var zlib = new MemoryStream())
        {
            using (var z = new ZLibStream(zlib, CompressionLevel.Optimal, leaveOpen: true))
                z.Write(new byte[64]);
            WriteChunk(png, "IDAT", zlib.ToArray());
        }
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        var typeAndData = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.HashToUInt32(typeAndData)); // CRC over type + data
        stream.Write(word);
    }

    /// <summary>
    /// An 8×8 baseline JPEG of one flat colour with one 8×8 block per component (1×1 sampling), quantisation all 1s,
    /// a DC Huffman table giving category s the 4-bit code s and an AC table holding only end-of-block (code "0").
    /// A flat block's only coefficient is DC = 8·(value − 128). With four components and an Adobe APP14 marker
    /// (transform 0) this is a CMYK JPEG as Photoshop writes them: values stored inverted (255 = no ink).
    /// <paramref name="frameMarker"/> relabels the frame (0xC3 lossless, 0xC9 arithmetic) to reach unsupported paths.
    /// </summary>
    public static byte[] FlatJpeg(byte[] componentValues, bool adobeMarker, byte frameMarker = 0xC0)
    {
        int n = componentValues.Length;
        using var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8]);
        if (adobeMarker)
            Segment(jpeg, 0xEE, [.. "Adobe"u8, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]); // version 100, transform 0
        Segment(jpeg, 0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]);
        var sof = new List<byte> { 8, 0, 8, 0, 8, (byte)n };
        for (int c = 0; c < n; c++)
            sof.AddRange([(byte)(c + 1), 0x11, 0]);
        Segment(jpeg, frameMarker, [.. sof]);
        var dcBits = new byte[16];
        dcBits[3] = 12; // twelve codes of length 4: categories 0..11
        Segment(jpeg, 0xC4, [0x00, .. dcBits, .. Enumerable.Range(0, 12).Select(i => (byte)i)]);
        var acBits = new byte[16];
        acBits[0] = 1; // one code of length 1: end-of-block
        Segment(jpeg, 0xC4, [0x10, .. acBits, 0x00]);
        var sos = new List<byte> { (byte)n };
        for (int c = 0; c < n; c++)
            sos.AddRange([(byte)(c + 1), 0x00]);
        sos.AddRange([0, 63, 0]);
        Segment(jpeg, 0xDA, [.. sos]);

        var bits = new List<bool>();
        foreach (var value in componentValues)
        {
            int dc = 8 * (value - 128);
            int category = dc == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(dc));
            Append(bits, category, 4);
            Append(bits, dc >= 0 ? dc : dc + (1 << category) - 1, category);
            bits.Add(false); // end of block
        }
        while (bits.Count % 8 != 0)
            bits.Add(true); // pad with 1-bits
        for (int i = 0; i < bits.Count; i += 8)
        {
            byte b = 0;
            for (int k = 0; k < 8; k++)
                b = (byte)(b << 1 | (bits[i + k] ? 1 : 0));
            jpeg.WriteByte(b);
            if (b == 0xFF)
                jpeg.WriteByte(0x00); // byte stuffing
        }
        jpeg.Write([0xFF, 0xD9]);
        return jpeg.ToArray();
    }

    private static void Append(List<bool> bits, int value, int count)
    {
        for (int i = count - 1; i >= 0; i--)
            bits.Add((value >> i & 1) == 1);
    }

    private static void Segment(Stream stream, byte marker, byte[] payload)
    {
        stream.Write([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        stream.Write(payload);
    }
}

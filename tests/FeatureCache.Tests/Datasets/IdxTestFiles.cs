using System.Buffers.Binary;
using System.IO.Compression;

namespace Graft.FeatureCache.Datasets.Tests;

/// <summary>Writes tiny IDX files (big-endian header, unsigned bytes), plain or gzipped, and predictable pixels.</summary>
internal static class IdxTestFiles
{
    /// <summary>Pixel bytes of image <paramref name="index"/>: distinct per image and position.</summary>
    public static byte[] Pixels(int index, int width, int height) =>
        Enumerable.Range(0, width * height).Select(p => (byte)(index * 17 + p * 3)).ToArray();

    /// <summary>Writes an images file and a labels file for one set ("train" or "t10k") into <paramref name="folder"/>.</summary>
    public static void WriteSet(string folder, string set, byte[] labels, int width, int height, bool gzip)
    {
        var pixels = Enumerable.Range(0, labels.Length).SelectMany(i => Pixels(i, width, height)).ToArray();
        var suffix = gzip ? ".gz" : "";
        Write(Path.Combine(folder, $"{set}-images-idx3-ubyte{suffix}"), 0x00000803, [labels.Length, height, width], pixels, gzip);
        Write(Path.Combine(folder, $"{set}-labels-idx1-ubyte{suffix}"), 0x00000801, [labels.Length], labels, gzip);
    }

    public static void Write(string path, uint magic, int[] dims, byte[] data, bool gzip)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (var i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), (uint)dims[i]);
        using var file = File.Create(path);
        using Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        output.Write(header);
        output.Write(data);
    }
}

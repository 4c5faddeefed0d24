using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Datasets.Tests;

/// <summary>Tiny real image files, made with ImageSharp, so fixtures hold decodable bytes that differ per image.</summary>
internal static class TestImages
{
    public static byte[] Png(int seed, int width = 4, int height = 3) => Encode(seed, width, height, jpeg: false);

    public static byte[] Jpeg(int seed, int width = 8, int height = 8) => Encode(seed, width, height, jpeg: true);

    private static byte[] Encode(int seed, int width, int height, bool jpeg)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24((byte)seed, (byte)(seed * 7), (byte)(seed * 13)));
        image[0, 0] = new Rgb24((byte)(255 - seed), 0, 0);
        using var stream = new MemoryStream();
        if (jpeg) image.SaveAsJpeg(stream); else image.SaveAsPng(stream);
        return stream.ToArray();
    }
}

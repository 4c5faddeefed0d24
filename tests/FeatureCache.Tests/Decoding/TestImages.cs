using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Tests.Decoding;

/// <summary>Tiny generated images and encoders for the decoding, preprocessing and inspection tests.</summary>
internal static class TestImages
{
    public static Image<Rgb24> Solid(int width, int height, Rgb24 colour)
    {
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = colour;
        return image;
    }

    /// <summary>Deterministic noise, so JPEG scan data is long enough to cut in half meaningfully.</summary>
    public static Image<Rgb24> Noise(int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        return image;
    }

    public static byte[] Encode<TPixel>(Image<TPixel> image, IImageEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    public static byte[] Png(Image<Rgb24> image) => Encode(image, new PngEncoder());

    public static byte[] Jpeg(Image<Rgb24> image, int quality = 95) =>
        Encode(image, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = quality });

    /// <summary>Asserts two colours differ by at most <paramref name="tolerance"/> per channel (JPEG is lossy).</summary>
    public static void Near(Rgb24 expected, Rgb24 actual, int tolerance = 0)
    {
        bool ok = Math.Abs(expected.R - actual.R) <= tolerance
            && Math.Abs(expected.G - actual.G) <= tolerance
            && Math.Abs(expected.B - actual.B) <= tolerance;
        Assert.True(ok, $"Expected {expected} ± {tolerance}, got {actual}.");
    }
}

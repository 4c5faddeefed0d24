using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.Bench.Gpu;

/// <summary>
/// Deterministic photo-like JPEGs for checks that must not depend on data beside the clone: smooth colour gradients
/// with a few soft blobs and mild noise, in two class folders, sizes 240–400 px (so resize and crop do real work).
/// The same seed gives the same files.
/// </summary>
public static class SyntheticPhotos
{
    /// <summary>Writes <paramref name="count"/> JPEGs under <paramref name="folder"/>/{a,b}/; returns the folder.</summary>
    public static string Write(string folder, int count, int seed = 1)
    {
        if (count < 1) throw new GraftException($"--images {count} must be at least 1.");
        var rng = new Random(seed);
        var encoder = new JpegEncoder { Quality = 90 };
        for (var i = 0; i < count; i++)
        {
            var dir = Path.Combine(folder, i % 2 == 0 ? "a" : "b");
            Directory.CreateDirectory(dir);
            var (w, h) = (240 + rng.Next(161), 240 + rng.Next(161));
            var c0 = new[] { rng.Next(256), rng.Next(256), rng.Next(256) };
            var c1 = new[] { rng.Next(256), rng.Next(256), rng.Next(256) };
            var blobs = Enumerable.Range(0, 3 + rng.Next(4)).Select(_ => (X: rng.NextDouble() * w, Y: rng.NextDouble() * h,
                R: 20 + rng.NextDouble() * 80, Colour: new[] { rng.Next(256), rng.Next(256), rng.Next(256) })).ToArray();
            using var image = new Image<Rgb24>(w, h);
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                {
                    var t = (x + y) / (double)(w + h);
                    Span<double> rgb = [c0[0] + (c1[0] - c0[0]) * t, c0[1] + (c1[1] - c0[1]) * t, c0[2] + (c1[2] - c0[2]) * t];
                    foreach (var b in blobs)
                    {
                        var d2 = ((x - b.X) * (x - b.X) + (y - b.Y) * (y - b.Y)) / (b.R * b.R);
                        if (d2 > 4) continue;
                        var a = Math.Exp(-d2);
                        for (var c = 0; c < 3; c++) rgb[c] = rgb[c] * (1 - a) + b.Colour[c] * a;
                    }
                    var noise = rng.Next(-8, 9);
                    image[x, y] = new Rgb24(Clamp(rgb[0] + noise), Clamp(rgb[1] + noise), Clamp(rgb[2] + noise));
                }
            image.SaveAsJpeg(Path.Combine(dir, $"img_{i:0000}.jpg"), encoder);
        }
        return folder;
    }

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}

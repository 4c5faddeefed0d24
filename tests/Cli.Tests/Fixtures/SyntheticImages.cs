using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.Cli.Tests.Fixtures;

/// <summary>Writes small labelled PNG datasets: each class a distinct colour with seeded noise, so a linear head can
/// separate them from any backbone's features.</summary>
public static class SyntheticImages
{
    private static readonly Rgb24[] Palette =
    [
        new(220, 40, 40), new(40, 200, 60), new(50, 70, 220), new(230, 210, 40), new(160, 60, 200), new(40, 200, 210),
    ];

    /// <summary>root/split/class/NNN.png for each split in <paramref name="perSplit"/>.</summary>
    public static void WriteFolderDataset(string root, int classes, IReadOnlyDictionary<string, int> perSplit, int size = 40, int seed = 1)
    {
        var rng = new Random(seed);
        foreach (var (split, count) in perSplit)
            for (var c = 0; c < classes; c++)
            {
                var dir = Path.Combine(root, split, $"class_{(char)('a' + c)}");
                Directory.CreateDirectory(dir);
                for (var i = 0; i < count; i++) Write(Path.Combine(dir, $"{i:000}.png"), Palette[c % Palette.Length], size, rng);
            }
    }

    public static void Write(string path, Rgb24 colour, int size, Random rng)
    {
        using var image = new Image<Rgb24>(size, size);
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var n = rng.Next(-40, 41);
                var stripe = (x / 4 + y / 4) % 2 == 0 ? 20 : -20;
                image[x, y] = new Rgb24(Clamp(colour.R + n + stripe), Clamp(colour.G + n), Clamp(colour.B + n - stripe));
            }
        image.SaveAsPng(path);
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}

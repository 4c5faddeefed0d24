using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Graft.Cli.Tests.Fixtures;

/// <summary>Real JPEGs of mixed sizes for the export checks: hymenoptera val photos as they are, plus crops of odd
/// sizes (thin, tiny, larger than the source) carrying each EXIF orientation 2..8.</summary>
public static class RealPhotos
{
    public static IReadOnlyList<string> Write(string folder, int perClass = 25)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var cls in new[] { "ants", "bees" })
            foreach (var source in Directory.GetFiles(Path.Combine(Repo.Hymenoptera, "val", cls), "*.jpg").Order(StringComparer.Ordinal).Take(perClass))
            {
                var target = Path.Combine(folder, $"{cls}-{Path.GetFileName(source)}");
                File.Copy(source, target, overwrite: true);
                written.Add(target);
            }

        (int W, int H)[] sizes = [(333, 121), (97, 401), (31, 29), (1001, 67), (250, 251), (640, 480), (225, 224)];
        var sources = Directory.GetFiles(Path.Combine(Repo.Hymenoptera, "val", "bees"), "*.jpg").Order(StringComparer.Ordinal).Skip(perClass).ToList();
        for (var orientation = 2; orientation <= 8; orientation++)
        {
            using var image = Image.Load<Rgb24>(sources[orientation]);
            var (w, h) = sizes[orientation - 2];
            var crop = new Rectangle(0, 0, Math.Min(w, image.Width), Math.Min(h, image.Height));
            image.Mutate(x => x.Crop(crop).Resize(w, h));
            image.Metadata.ExifProfile = new ExifProfile();
            image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)orientation);
            var target = Path.Combine(folder, $"exif{orientation}-{w}x{h}.jpg");
            image.SaveAsJpeg(target, new JpegEncoder { Quality = 90 });
            written.Add(target);
        }
        return written.Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
    }
}

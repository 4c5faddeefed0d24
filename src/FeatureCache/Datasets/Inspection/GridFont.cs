using SkiaSharp;

namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>
/// Finds a typeface that actually draws glyphs. SkiaSharp's NativeAssets.Linux.NoDependencies build has no
/// fontconfig; its font manager scans /usr/share/fonts itself, so on a machine without font files
/// <see cref="SKTypeface.Default"/> is an empty typeface that draws nothing, silently. Each candidate is therefore
/// probed by drawing into a small bitmap. DejaVu Sans (Debian's fonts-dejavu-core) comes first so titles look the
/// same wherever it is installed; the native default is the fallback.
/// </summary>
internal static class GridFont
{
    private static readonly string[] DejaVuPaths =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", // Debian, Ubuntu
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", // Fedora
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf", // Arch
    ];

    private static readonly Lazy<(SKTypeface? Typeface, string? Description)> Found = new(Find);

    /// <summary>A typeface that draws text, or null when none does.</summary>
    public static SKTypeface? Typeface => Found.Value.Typeface;

    /// <summary>Family and origin of <see cref="Typeface"/>; null when none.</summary>
    public static string? Description => Found.Value.Description;

    private static (SKTypeface?, string?) Find()
    {
        foreach (var path in DejaVuPaths.Where(File.Exists))
        {
            var typeface = SKTypeface.FromFile(path);
            if (typeface is not null && Draws(typeface))
                return (typeface, $"{typeface.FamilyName} ({path})");
            typeface?.Dispose();
        }
        var fallback = SKTypeface.Default;
        return Draws(fallback) ? (fallback, $"{fallback.FamilyName} (SkiaSharp default)") : (null, null);
    }

    internal static bool Draws(SKTypeface typeface)
    {
        using var bitmap = new SKBitmap(48, 32, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(typeface, 20);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText("Ag", 4, 24, font, paint);
        canvas.Flush();
        foreach (var pixel in bitmap.Pixels)
        {
            if (pixel.Red < 128)
                return true;
        }
        return false;
    }
}

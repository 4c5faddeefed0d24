namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>
/// Decoded image sizes (pixels, after EXIF orientation) over the readable images of a sample. Width and height are
/// summarised independently; a median of an even count is the mean of the two middle values.
/// </summary>
public sealed record ImageSizeStats(
    int Count,
    int MinWidth, double MedianWidth, int MaxWidth,
    int MinHeight, double MedianHeight, int MaxHeight)
{
    /// <summary>Summarises <paramref name="sizes"/> (width, height); null when there are none.</summary>
    internal static ImageSizeStats? From(IReadOnlyCollection<(int Width, int Height)> sizes)
    {
        if (sizes.Count == 0)
            return null;
        var widths = sizes.Select(s => s.Width).Order().ToArray();
        var heights = sizes.Select(s => s.Height).Order().ToArray();
        return new ImageSizeStats(sizes.Count,
            widths[0], Median(widths), widths[^1],
            heights[0], Median(heights), heights[^1]);
    }

    private static double Median(int[] sorted) => sorted.Length % 2 == 1
        ? sorted[sorted.Length / 2]
        : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2.0;
}

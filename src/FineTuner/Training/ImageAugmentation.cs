namespace Graft.FineTuner.Training;

/// <summary>
/// Training-time augmentation: a random crop covering <see cref="MinAreaFraction"/>–1 of the image with aspect ratio
/// 3/4–4/3 (torchvision's RandomResizedCrop, with a milder minimum area for fine-tuning small datasets), resized to the
/// input size, then a horizontal flip with probability ½. Each image's draw comes from (seed, epoch, position), so a
/// resumed epoch sees the same crops.
/// </summary>
public sealed record ImageAugmentation
{
    public double MinAreaFraction { get; init; } = 0.25;
    public double MinAspect { get; init; } = 3.0 / 4.0;
    public double MaxAspect { get; init; } = 4.0 / 3.0;
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>The crop rectangle (x, y, width, height) and flip for an image of <paramref name="width"/>×<paramref name="height"/>.</summary>
    public (int X, int Y, int Width, int Height, bool Flip) Draw(int width, int height, Random rng)
    {
        var area = (double)width * height;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var target = area * (MinAreaFraction + rng.NextDouble() * (1 - MinAreaFraction));
            var logRatio = Math.Log(MinAspect) + rng.NextDouble() * (Math.Log(MaxAspect) - Math.Log(MinAspect));
            var aspect = Math.Exp(logRatio);
            var w = (int)Math.Round(Math.Sqrt(target * aspect));
            var h = (int)Math.Round(Math.Sqrt(target / aspect));
            if (w < 1 || h < 1 || w > width || h > height) continue;
            return (rng.Next(width - w + 1), rng.Next(height - h + 1), w, h, rng.NextDouble() < FlipProbability);
        }
        // Fallback, as torchvision: the whole image.
        return (0, 0, width, height, rng.NextDouble() < FlipProbability);
    }
}

using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;
namespace Graft.FineTuner.Training.Augmentation;

/// <summary>
/// Training-time augmentation: a random crop covering <see cref="MinAreaFraction"/>–1 of the image with aspect ratio
/// <see cref="MinAspect"/>–<see cref="MaxAspect"/> (torchvision's RandomResizedCrop, whose area lower bound 0.08 is too
/// harsh for fine-tuning from a trained head), resized to the input size, a horizontal flip with probability
/// <see cref="FlipProbability"/>, and optional colour jitter. Each image's draw comes from one seeded
/// <see cref="Random"/>, so the same seed gives the same tensors in any process (resume, cached views).
/// </summary>
public sealed record ImageAugmentation
{
    public double MinAreaFraction { get; init; } = 0.6;
    public double MinAspect { get; init; } = 3.0 / 4.0;
    public double MaxAspect { get; init; } = 4.0 / 3.0;
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Brightness, contrast and saturation each scaled by a factor drawn from [1 − j, 1 + j] (0: off).</summary>
    public double ColorJitter { get; init; }

    /// <summary>The parameters of <paramref name="policy"/> (null for <see cref="AugmentPolicy.None"/>), with optional
    /// overrides of the crop's area lower bound and the colour jitter.</summary>
    public static ImageAugmentation? For(AugmentPolicy policy, double? minAreaFraction = null, double? colorJitter = null)
    {
        var basis = policy switch
        {
            AugmentPolicy.None => null,
            AugmentPolicy.Light => new ImageAugmentation { MinAreaFraction = 0.8 },
            AugmentPolicy.Standard => new ImageAugmentation { MinAreaFraction = 0.6 },
            AugmentPolicy.Strong => new ImageAugmentation { MinAreaFraction = 0.35, ColorJitter = 0.2 },
            _ => throw new ArgumentOutOfRangeException(nameof(policy)),
        };
        return basis is null ? null : basis with
        {
            MinAreaFraction = minAreaFraction ?? basis.MinAreaFraction,
            ColorJitter = colorJitter ?? basis.ColorJitter,
        };
    }

    /// <summary>Canonical text of the parameters (run identity, cached-view keys).</summary>
    public string CanonicalText() =>
        FormattableString.Invariant($"rrc(area={MinAreaFraction:R},aspect={MinAspect:R}-{MaxAspect:R}),flip={FlipProbability:R},jitter={ColorJitter:R}");

    /// <summary>One image's draw: the crop rectangle (x, y, width, height) of a <paramref name="width"/>×<paramref name="height"/>
    /// image, whether to flip, and the brightness, contrast and saturation factors.</summary>
    public Draw Sample(int width, int height, Random rng)
    {
        var (x, y, w, h) = Crop(width, height, rng);
        var flip = rng.NextDouble() < FlipProbability;
        float Factor() => ColorJitter > 0 ? (float)(1 + ColorJitter * (2 * rng.NextDouble() - 1)) : 1f;
        var brightness = Factor();
        var contrast = Factor();
        var saturation = Factor();
        return new Draw(x, y, w, h, flip, brightness, contrast, saturation);
    }

    private (int X, int Y, int Width, int Height) Crop(int width, int height, Random rng)
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
            return (rng.Next(width - w + 1), rng.Next(height - h + 1), w, h);
        }
        // Fallback, as torchvision: the whole image.
        return (0, 0, width, height);
    }

    /// <summary>One image's augmentation draw.</summary>
    public readonly record struct Draw(int X, int Y, int Width, int Height, bool Flip, float Brightness, float Contrast, float Saturation)
    {
        public bool Jitters => Brightness != 1f || Contrast != 1f || Saturation != 1f;
    }
}

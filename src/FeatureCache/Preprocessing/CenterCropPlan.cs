namespace Graft.FeatureCache.Preprocessing;

/// <summary>
/// Where a <see cref="ResizeMode.CenterCrop"/> resize puts an image: first scaled to
/// <see cref="ResizedWidth"/>×<see cref="ResizedHeight"/> pixels (aspect kept), then the target Width×Height is cut out
/// starting at column <see cref="Left"/>, row <see cref="Top"/> of the scaled image.
/// </summary>
/// <remarks>
/// timm's evaluation transform (<c>transforms_imagenet_eval</c>, crop_mode "center"), integer for integer:
/// scale size = floor(target / CropFraction) per side (timm floors; 224 / 0.875 = 256 exactly).
/// Square targets use torchvision's <c>Resize(int)</c>: the shorter side becomes the scale size and the longer side
/// int(scale · long / short). Non-square targets use timm's <c>ResizeKeepRatio</c>: ratio = min(h / scaleH,
/// w / scaleW), new size = round(h / ratio) × round(w / ratio), i.e. scale = max(W/w, H/h) / CropFraction.
/// The crop offsets are torchvision's <c>center_crop</c>: round((resized − target) / 2), rounding halves to even as
/// Python's round does.
/// </remarks>
public readonly record struct CenterCropPlan(int ResizedWidth, int ResizedHeight, int Left, int Top)
{
    /// <summary>Plans the crop of a <paramref name="width"/>×<paramref name="height"/> image (pixels) to
    /// <paramref name="targetWidth"/>×<paramref name="targetHeight"/>.</summary>
    public static CenterCropPlan For(int width, int height, int targetWidth, int targetHeight, double cropFraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetHeight, 1);
        if (cropFraction is <= 0 or > 1 || double.IsNaN(cropFraction))
            throw new ArgumentOutOfRangeException(nameof(cropFraction), cropFraction, "Crop fraction must be in (0, 1].");

        int scaleWidth = (int)Math.Floor(targetWidth / cropFraction);
        int scaleHeight = (int)Math.Floor(targetHeight / cropFraction);
        int resizedWidth, resizedHeight;
        if (scaleWidth == scaleHeight)
        {
            int shortSide = scaleWidth;
            if (width <= height)
                (resizedWidth, resizedHeight) = (shortSide, (int)((long)shortSide * height / width));
            else
                (resizedWidth, resizedHeight) = ((int)((long)shortSide * width / height), shortSide);
        }
        else
        {
            double ratio = Math.Min((double)height / scaleHeight, (double)width / scaleWidth);
            resizedHeight = (int)Math.Round(height / ratio, MidpointRounding.ToEven);
            resizedWidth = (int)Math.Round(width / ratio, MidpointRounding.ToEven);
        }
        // The scaled image always covers the target; guard against a one-pixel shortfall from rounding.
        resizedWidth = Math.Max(resizedWidth, targetWidth);
        resizedHeight = Math.Max(resizedHeight, targetHeight);
        int left = (int)Math.Round((resizedWidth - targetWidth) / 2.0, MidpointRounding.ToEven);
        int top = (int)Math.Round((resizedHeight - targetHeight) / 2.0, MidpointRounding.ToEven);
        return new CenterCropPlan(resizedWidth, resizedHeight, left, top);
    }
}

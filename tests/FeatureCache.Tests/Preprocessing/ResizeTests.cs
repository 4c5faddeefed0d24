using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Tests.Decoding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Fit = Graft.FeatureCache.Preprocessing.ResizeMode;

namespace Graft.FeatureCache.Tests.Preprocessing;

public sealed class ResizeTests
{
    private static readonly Rgb24 A = new(255, 0, 0), B = new(0, 255, 0), C = new(0, 0, 255), D = new(255, 255, 0);

    private static Preprocessor For(int width, int height, Fit mode, Interpolation interpolation = Interpolation.Nearest,
        double cropFraction = 1.0) =>
        new(new PreprocessSpec { Width = width, Height = height, Resize = mode, Interpolation = interpolation, CropFraction = cropFraction });

    /// <summary>An image whose columns have the given colours, <paramref name="height"/> rows tall.</summary>
    private static Image<Rgb24> Columns(int height, params Rgb24[] colours)
    {
        var image = new Image<Rgb24>(colours.Length, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < colours.Length; x++)
                image[x, y] = colours[x];
        return image;
    }

    [Fact]
    public void Resize_CenterCrop4x2To2x2_KeepsMiddleColumns()
    {
        using var image = Columns(2, A, B, C, D);
        For(2, 2, Fit.CenterCrop).Resize(image);
        Assert.Equal((2, 2), (image.Width, image.Height));
        Assert.Equal([B, C, B, C], new[] { image[0, 0], image[1, 0], image[0, 1], image[1, 1] });
    }

    [Fact]
    public void Resize_CenterCropWithDownscale_KeepsMiddleColumns()
    {
        // 8×4 in column pairs: the short side 4 → 2 halves the width to 4 (one column per pair), then the middle two.
        using var image = Columns(4, A, A, B, B, C, C, D, D);
        For(2, 2, Fit.CenterCrop).Resize(image);
        Assert.Equal((2, 2), (image.Width, image.Height));
        Assert.Equal(B, image[0, 1]);
        Assert.Equal(C, image[1, 1]);
    }

    [Fact]
    public void Resize_Squash8x4To2x2_KeepsBothEnds()
    {
        using var image = Columns(4, A, A, B, B, C, C, D, D);
        For(2, 2, Fit.Squash).Resize(image);
        Assert.Equal((2, 2), (image.Width, image.Height));
        Assert.Contains(image[0, 0], new[] { A, B }); // left half survives on the left
        Assert.Contains(image[1, 0], new[] { C, D }); // right half on the right
    }

    [Theory]
    [InlineData(Interpolation.Nearest)]
    [InlineData(Interpolation.Bilinear)]
    [InlineData(Interpolation.Bicubic)]
    [InlineData(Interpolation.Lanczos3)]
    public void Resize_OnePixelUp_FillsTarget(Interpolation interpolation)
    {
        var colour = new Rgb24(12, 34, 56);
        using var squashed = TestImages.Solid(1, 1, colour);
        For(3, 2, Fit.Squash, interpolation).Resize(squashed);
        Assert.Equal((3, 2), (squashed.Width, squashed.Height));
        Assert.Equal(colour, squashed[2, 1]);

        using var cropped = TestImages.Solid(1, 1, colour);
        For(4, 4, Fit.CenterCrop, interpolation, 0.875).Resize(cropped);
        Assert.Equal((4, 4), (cropped.Width, cropped.Height));
        Assert.Equal(colour, cropped[0, 0]);
        Assert.Equal(colour, cropped[3, 3]);
    }

    [Fact]
    public void Resize_AlreadyTargetSize_Untouched()
    {
        using var image = TestImages.Noise(6, 4);
        using var before = image.Clone();
        For(6, 4, Fit.Squash, Interpolation.Lanczos3).Resize(image);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 6; x++)
                Assert.Equal(before[x, y], image[x, y]);
    }

    [Fact]
    public void Resize_CenterCropOnePass_EqualsResizeThenCrop()
    {
        using var image = TestImages.Noise(37, 23);
        using var reference = image.Clone();
        var plan = CenterCropPlan.For(37, 23, 16, 16, 0.875);
        reference.Mutate(x => x
            .Resize(new ResizeOptions { Size = new Size(plan.ResizedWidth, plan.ResizedHeight), Mode = SixLabors.ImageSharp.Processing.ResizeMode.Stretch, Sampler = KnownResamplers.Triangle })
            .Crop(new Rectangle(plan.Left, plan.Top, 16, 16)));

        For(16, 16, Fit.CenterCrop, Interpolation.Bilinear, 0.875).Resize(image);

        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
                Assert.Equal(reference[x, y], image[x, y]);
    }

    [Theory]
    // torchvision Resize(256) + CenterCrop(224) of a 500×375 photo: long side int(256·500/375) = 341, left round(58.5) = 58.
    [InlineData(500, 375, 224, 224, 0.875, 341, 256, 58, 16)]
    [InlineData(375, 500, 224, 224, 0.875, 256, 341, 16, 58)]
    [InlineData(224, 224, 224, 224, 1.0, 224, 224, 0, 0)]
    // timm ResizeKeepRatio for a non-square target: 400×400 into 320×240 scales by max(320/400, 240/400) = 0.8.
    [InlineData(400, 400, 320, 240, 1.0, 320, 320, 0, 40)]
    [InlineData(500, 375, 320, 240, 1.0, 320, 240, 0, 0)]
    // floor(224 / 0.9) = 248 (timm floors the scale size).
    [InlineData(300, 300, 224, 224, 0.9, 248, 248, 12, 12)]
    public void CenterCropPlan_Cases_MatchTorchvisionAndTimm(int w, int h, int tw, int th, double fraction,
        int resizedWidth, int resizedHeight, int left, int top) =>
        Assert.Equal(new CenterCropPlan(resizedWidth, resizedHeight, left, top), CenterCropPlan.For(w, h, tw, th, fraction));
}

using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Tests.Decoding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Tests.Preprocessing;

public sealed class PreprocessorTests
{
    // A 2×2 image: (x, y) → colour; channel values chosen so every channel of every pixel differs.
    private static readonly Rgb24[,] Pixels =
    {
        { new(10, 20, 30), new(40, 50, 60) },
        { new(70, 80, 90), new(100, 110, 120) },
    };

    private static readonly float[] Mean = [0.5f, 0.25f, 0.125f];
    private static readonly float[] Std = [0.5f, 0.25f, 2f];
    private const float Scale = 1f / 255f;

    private static Image<Rgb24> TwoByTwo()
    {
        var image = new Image<Rgb24>(2, 2);
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 2; x++)
                image[x, y] = Pixels[y, x];
        return image;
    }

    private static PreprocessSpec Spec(TensorLayout layout, ChannelOrder order, MeanImageSource? meanImage = null) => new()
    {
        Width = 2,
        Height = 2,
        Layout = layout,
        ChannelOrder = order,
        Scale = Scale,
        Mean = Mean,
        Std = Std,
        MeanImage = meanImage,
    };

    /// <summary>The spec's formula, written out the slow way: (p·Scale − Mean[c]) / Std[c] − MeanImage[c, y, x].</summary>
    private static float Expected(int c, int y, int x, ChannelOrder order, float[]? meanImage)
    {
        var p = Pixels[y, x];
        byte[] rgb = [p.R, p.G, p.B];
        byte value = order == ChannelOrder.Rgb ? rgb[c] : rgb[2 - c];
        double v = (value * (double)Scale - Mean[c]) / Std[c];
        return (float)(v - (meanImage?[c * 4 + y * 2 + x] ?? 0));
    }

    [Theory]
    [InlineData(TensorLayout.Nchw, ChannelOrder.Rgb)]
    [InlineData(TensorLayout.Nchw, ChannelOrder.Bgr)]
    [InlineData(TensorLayout.Nhwc, ChannelOrder.Rgb)]
    [InlineData(TensorLayout.Nhwc, ChannelOrder.Bgr)]
    public void WriteTensor_LayoutAndOrder_FollowsFormula(TensorLayout layout, ChannelOrder order)
    {
        var tensor = new float[12];
        using var image = TwoByTwo();

        new Preprocessor(Spec(layout, order)).WriteTensor(image, tensor);

        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 2; x++)
                {
                    int index = layout == TensorLayout.Nchw ? c * 4 + y * 2 + x : (y * 2 + x) * 3 + c;
                    Assert.Equal(Expected(c, y, x, order, null), tensor[index], 5);
                }
    }

    [Fact]
    public void WriteTensor_NchwRgb_KnownValues()
    {
        var tensor = new float[12];
        using var image = TwoByTwo();
        new Preprocessor(Spec(TensorLayout.Nchw, ChannelOrder.Rgb)).WriteTensor(image, tensor);
        // R of (0,0) is 10: (10/255 − 0.5) / 0.5 = −0.92157; B of (1,1) is 120: (120/255 − 0.125) / 2 = 0.17279.
        Assert.Equal(-0.921569f, tensor[0], 5);
        Assert.Equal(0.172794f, tensor[11], 5);
    }

    [Fact]
    public void WriteTensor_BgrNchw_FirstPlaneIsBlue()
    {
        var spec = new PreprocessSpec { Width = 2, Height = 2, ChannelOrder = ChannelOrder.Bgr, Scale = 1 };
        var tensor = new float[12];
        using var image = TwoByTwo();
        new Preprocessor(spec).WriteTensor(image, tensor);
        Assert.Equal([30f, 60f, 90f, 120f], tensor[..4]);
        Assert.Equal([10f, 40f, 70f, 100f], tensor[8..]);
    }

    [Theory]
    [InlineData(TensorLayout.Nchw, ChannelOrder.Bgr)]
    [InlineData(TensorLayout.Nhwc, ChannelOrder.Bgr)]
    [InlineData(TensorLayout.Nhwc, ChannelOrder.Rgb)]
    public void WriteTensor_MeanImage_SubtractedPerPixelInChwOrder(TensorLayout layout, ChannelOrder order)
    {
        var meanImage = Enumerable.Range(0, 12).Select(i => i * 0.1f).ToArray(); // CHW, model channel order
        var source = new MeanImageSource { File = new ModelFileSource { Path = "mean.onnx" }, Initializer = "mean", Sha256 = "00" };
        var tensor = new float[12];
        using var image = TwoByTwo();

        new Preprocessor(Spec(layout, order, source), meanImage).WriteTensor(image, tensor);

        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 2; x++)
                {
                    int index = layout == TensorLayout.Nchw ? c * 4 + y * 2 + x : (y * 2 + x) * 3 + c;
                    Assert.Equal(Expected(c, y, x, order, meanImage), tensor[index], 5);
                }
    }

    [Fact]
    public void Ctor_MeanImageMismatch_ArgumentException()
    {
        var source = new MeanImageSource { File = new ModelFileSource { Path = "mean.onnx" }, Initializer = "mean", Sha256 = "00" };
        var spec = Spec(TensorLayout.Nchw, ChannelOrder.Rgb);
        Assert.Throws<ArgumentException>(() => new Preprocessor(spec with { MeanImage = source }));
        Assert.Throws<ArgumentException>(() => new Preprocessor(spec, new float[12]));
        Assert.Throws<ArgumentException>(() => new Preprocessor(spec with { MeanImage = source }, new float[11]));
    }

    [Fact]
    public void Ctor_InvalidSpec_GraftException() =>
        Assert.Throws<GraftException>(() => new Preprocessor(new PreprocessSpec { Width = 2, Height = 2, Std = [1, 0, 1] }));

    [Fact]
    public void WriteTensor_Repeated_AllocatesOnlyImageSharpsSpanLookup()
    {
        using var image = TestImages.Noise(224, 224);
        var preprocessor = new Preprocessor(new PreprocessSpec { Width = 224, Height = 224, ChannelOrder = ChannelOrder.Bgr });
        var tensor = new float[preprocessor.Spec.TensorLength];
        preprocessor.WriteTensor(image, tensor); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            preprocessor.WriteTensor(image, tensor);

        // ImageSharp 2.1's DangerousTryGetSinglePixelMemory allocates 48 bytes per call itself; nothing else may.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before <= 10 * 48);
    }

    [Fact]
    public void WriteTensor_WrongDestinationLength_ArgumentException()
    {
        using var image = TwoByTwo();
        var preprocessor = new Preprocessor(Spec(TensorLayout.Nchw, ChannelOrder.Rgb));
        Assert.Throws<ArgumentException>(() => preprocessor.WriteTensor(image, new float[11]));
        Assert.Throws<ArgumentException>(() => preprocessor.WriteTensor(image, new float[13]));
    }

    [Fact]
    public void WriteTensor_ImageNotResized_ArgumentException()
    {
        using var image = TestImages.Solid(3, 2, new Rgb24(1, 2, 3));
        Assert.Throws<ArgumentException>(() => new Preprocessor(Spec(TensorLayout.Nchw, ChannelOrder.Rgb)).WriteTensor(image, new float[12]));
    }

    [Fact]
    public void WriteTensor_DiscontiguousLargeImage_SameAsContiguous()
    {
        // 2000×1000 RGB24 is 6 MB, more than one 4 MB ImageSharp pool block when contiguity is not requested.
        var configuration = Configuration.Default.Clone();
        configuration.PreferContiguousImageBuffers = false;
        using var image = new Image<Rgb24>(configuration, 2000, 1000, new Rgb24(9, 99, 199));
        Assert.False(image.DangerousTryGetSinglePixelMemory(out _)); // the fallback path is the one under test
        image[1999, 999] = new Rgb24(1, 2, 3);
        image[0, 700] = new Rgb24(4, 5, 6);
        var spec = new PreprocessSpec { Width = 2000, Height = 1000, Scale = 1, Layout = TensorLayout.Nhwc };
        var tensor = new float[spec.TensorLength];

        new Preprocessor(spec).WriteTensor(image, tensor);

        Assert.Equal([9f, 99f, 199f], tensor[..3]);
        Assert.Equal([4f, 5f, 6f], tensor[(700 * 2000 * 3)..(700 * 2000 * 3 + 3)]);
        Assert.Equal([1f, 2f, 3f], tensor[^3..]);
    }

    [Fact]
    public void Apply_DecodedImage_ResizesAndWrites()
    {
        using var image = TestImages.Solid(5, 7, new Rgb24(255, 0, 51));
        var spec = new PreprocessSpec { Width = 3, Height = 3, Resize = Graft.FeatureCache.Preprocessing.ResizeMode.CenterCrop, CropFraction = 0.875 };
        var tensor = new float[27];

        new Preprocessor(spec).Apply(image, tensor);

        Assert.Equal((3, 3), (image.Width, image.Height));
        Assert.All(tensor[..9], v => Assert.Equal(1f, v, 5));
        Assert.All(tensor[18..], v => Assert.Equal(0.2f, v, 5));
    }
}

using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Tests.Decoding;

public sealed class ImageDecoderTests
{
    [Fact]
    public void Decode_RawGrey_ReplicatesToRgb()
    {
        using var image = new ImageDecoder().Decode(ImageData.Raw([10, 200, 30, 40, 50, 255], 3, 2, 1));
        Assert.Equal((3, 2), (image.Width, image.Height));
        Assert.Equal(new Rgb24(10, 10, 10), image[0, 0]);
        Assert.Equal(new Rgb24(200, 200, 200), image[1, 0]);
        Assert.Equal(new Rgb24(255, 255, 255), image[2, 1]);
    }

    [Fact]
    public void Decode_RawRgb_KeepsInterleavedPixels()
    {
        using var image = new ImageDecoder().Decode(ImageData.Raw([1, 2, 3, 4, 5, 6], 2, 1, 3));
        Assert.Equal(new Rgb24(1, 2, 3), image[0, 0]);
        Assert.Equal(new Rgb24(4, 5, 6), image[1, 0]);
    }

    [Fact]
    public void Decode_RawOverMegapixelLimit_TooLarge()
    {
        var decoder = new ImageDecoder(new DecoderLimits { MaxImageMegapixels = 0.000005 });
        var ex = Assert.Throws<ImageRejectedException>(() => decoder.Decode(ImageData.Raw(new byte[12], 4, 3, 1)));
        Assert.Equal(RejectReason.TooLarge, ex.Reason);
    }

    [Fact]
    public void Decode_FileOverMegabyteLimit_TooLargeBeforeLookingInside()
    {
        var decoder = new ImageDecoder(new DecoderLimits { MaxFileMegabytes = 100 / 1048576.0 });
        var ex = Assert.Throws<ImageRejectedException>(() => decoder.Decode(ImageData.Encoded(new byte[101])));
        Assert.Equal(RejectReason.TooLarge, ex.Reason);
        Assert.StartsWith("The file is 0 MB, over the", ex.Message);
    }

    [Fact]
    public void Decode_JpegOverMegapixelLimit_TooLargeWithHeaderSize()
    {
        using var image = TestImages.Solid(40, 30, new Rgb24(1, 2, 3));
        var decoder = new ImageDecoder(new DecoderLimits { MaxImageMegapixels = 0.001 });
        var ex = Assert.Throws<ImageRejectedException>(() => decoder.Decode(ImageData.Encoded(TestImages.Jpeg(image))));
        Assert.Equal(RejectReason.TooLarge, ex.Reason);
        Assert.Equal("JPEG header says 40×30 = 0 MP, over the 0.001 MP limit.", ex.Message);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, -1)]
    [InlineData(double.NaN, 1)]
    public void Ctor_NonPositiveLimits_GraftException(double megapixels, double megabytes) =>
        Assert.Throws<GraftException>(() => new ImageDecoder(new DecoderLimits { MaxImageMegapixels = megapixels, MaxFileMegabytes = megabytes }));

    [Fact]
    public void Decode_ManyThreadsOneDecoder_SameResults()
    {
        var decoder = new ImageDecoder();
        var files = Enumerable.Range(0, 8).Select(i =>
        {
            using var image = TestImages.Noise(96, 64, seed: i);
            return TestImages.Jpeg(image);
        }).ToArray();
        var expected = files.Select(f =>
        {
            using var image = decoder.Decode(ImageData.Encoded(f));
            return image[50, 30];
        }).ToArray();

        var actual = new Rgb24[64];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            using var image = decoder.Decode(ImageData.Encoded(files[i % files.Length]));
            actual[i] = image[50, 30];
        });

        for (int i = 0; i < actual.Length; i++)
            Assert.Equal(expected[i % files.Length], actual[i]);
    }

    [Fact]
    public void IsComplete_ExifThumbnailEndMarkerBeforeScan_DoesNotCount()
    {
        // SOI, an APP1 segment whose payload holds FF D9 (as an embedded thumbnail would), then a scan with no end.
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34];
        Assert.False(JpegStructure.IsComplete(jpeg));
        Assert.True(JpegStructure.IsComplete([.. jpeg, 0xFF, 0xD9]));
    }
}

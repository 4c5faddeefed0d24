using System.Diagnostics;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing.Processors.Quantization;

namespace Graft.FeatureCache.Tests.Decoding;

/// <summary>The corpus of awkward and hostile files, generated here; each asserts its exact outcome.</summary>
public sealed class HostileFilesTests
{
    private static readonly Rgb24 Red = new(255, 0, 0);
    private static readonly Rgb24 Green = new(0, 255, 0);
    private static readonly Rgb24 Blue = new(0, 0, 255);
    private static readonly Rgb24 White = new(255, 255, 255);
    private readonly ImageDecoder _decoder = new();

    private RejectReason Rejected(byte[] bytes) =>
        Assert.Throws<ImageRejectedException>(() => _decoder.Decode(ImageData.Encoded(bytes))).Reason;

    private Image<Rgb24> Decode(byte[] bytes) => _decoder.Decode(ImageData.Encoded(bytes));

    [Fact]
    public void Decode_ZeroBytes_Empty() => Assert.Equal(RejectReason.Empty, Rejected([]));

    [Fact]
    public void Decode_TextFileNamedJpg_UnknownFormat()
    {
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(ImageData.Encoded("not a photo, just text\n"u8.ToArray())));
        Assert.Equal(RejectReason.UnknownFormat, ex.Reason);
        Assert.Contains("6E6F742061", ex.Message); // names the first bytes found
    }

    [Fact]
    public void Decode_FirstHalfOfJpeg_Corrupt()
    {
        using var image = TestImages.Noise(64, 48);
        var jpeg = TestImages.Jpeg(image);
        Assert.Equal(RejectReason.Corrupt, Rejected(jpeg[..(jpeg.Length / 2)]));
    }

    [Theory]
    [InlineData(0.9)]  // ImageSharp 2.1 throws NullReferenceException here
    [InlineData(0.99)] // ImageSharp 2.1 decodes this silently, missing rows grey
    public void Decode_JpegCutInsideScan_Corrupt(double keep)
    {
        using var image = TestImages.Noise(64, 48);
        var jpeg = TestImages.Jpeg(image);
        Assert.Equal(RejectReason.Corrupt, Rejected(jpeg[..(int)(jpeg.Length * keep)]));
    }

    [Fact]
    public void Decode_JpegWithTrailingBytes_Decodes()
    {
        using var image = TestImages.Solid(16, 16, Blue);
        using var decoded = Decode([.. TestImages.Jpeg(image), 0, 0, 0, 0x12, 0x34]);
        TestImages.Near(Blue, decoded[8, 8], 3);
    }

    [Fact]
    public void Decode_PngCutShort_Corrupt()
    {
        using var image = TestImages.Noise(32, 32);
        var png = TestImages.Png(image);
        Assert.Equal(RejectReason.Corrupt, Rejected(png[..(png.Length / 2)]));
    }

    [Fact]
    public void Decode_OnePixel_Decodes()
    {
        using var image = TestImages.Solid(1, 1, Green);
        using var decoded = Decode(TestImages.Png(image));
        Assert.Equal((1, 1), (decoded.Width, decoded.Height));
        Assert.Equal(Green, decoded[0, 0]);
    }

    [Fact]
    public void Decode_PngHeaderClaiming50000Squared_TooLargeFastWithoutAllocating()
    {
        var bomb = HandMadeFiles.PngClaiming(50000, 50000);
        Assert.True(bomb.Length < 200);
        _ = Rejected(HandMadeFiles.PngClaiming(20000, 20000)); // warm up (JIT)

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(ImageData.Encoded(bomb)));
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(RejectReason.TooLarge, ex.Reason);
        Assert.Equal("PNG header says 50000×50000 = 2500 MP, over the 100 MP limit.", ex.Message);
        Assert.True(clock.ElapsedMilliseconds < 500, $"took {clock.ElapsedMilliseconds} ms");
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes"); // a 7.5 GB bitmap was never attempted
    }

    [Fact]
    public void Decode_CmykJpegWithAdobeMarker_MultipliesOutInvertedInk()
    {
        // Stored (inverted) C, M, Y, K = 255, 128, 0, 204: R = C·K/255 = 204, G = 128·204/255 ≈ 102, B = 0.
        var cmyk = HandMadeFiles.FlatJpeg([255, 128, 0, 204], adobeMarker: true);
        using var decoded = Decode(cmyk);
        Assert.Equal((8, 8), (decoded.Width, decoded.Height));
        TestImages.Near(new Rgb24(204, 102, 0), decoded[3, 3], 1);
    }

    [Fact]
    public void Decode_HandMadeYCbCrJpeg_MatchesFlatColour()
    {
        // The same hand-made writer with three components (YCbCr, no Adobe marker) as a check on the writer itself:
        // Y 128, Cb 128, Cr 128 is mid grey.
        using var decoded = Decode(HandMadeFiles.FlatJpeg([128, 128, 128], adobeMarker: false));
        TestImages.Near(new Rgb24(128, 128, 128), decoded[4, 4], 1);
    }

    [Theory]
    [InlineData(0xC3)] // lossless
    [InlineData(0xC9)] // arithmetic coding
    public void Decode_JpegProcessImageSharpLacks_Unsupported(int frameMarker)
    {
        var jpeg = HandMadeFiles.FlatJpeg([128, 128, 128], adobeMarker: false, (byte)frameMarker);
        Assert.Equal(RejectReason.Unsupported, Rejected(jpeg));
    }

    [Fact]
    public void Decode_16BitPng_ScaledTo8Bit()
    {
        using var image = new Image<Rgb48>(2, 2, new Rgb48(65535, 0, 0x8080));
        var png = TestImages.Encode(image, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb });
        Assert.Equal(16, png[24]); // IHDR bit depth
        using var decoded = Decode(png);
        Assert.Equal(new Rgb24(255, 0, 128), decoded[1, 1]);
    }

    [Fact]
    public void Decode_GreyPng_ReplicatedToRgb()
    {
        using var image = new Image<L8>(3, 2, new L8(77));
        var png = TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
        Assert.Equal(0, png[25]); // IHDR colour type grey
        using var decoded = Decode(png);
        Assert.Equal(new Rgb24(77, 77, 77), decoded[2, 1]);
    }

    [Fact]
    public void Decode_GreyJpeg_ReplicatedToRgb()
    {
        using var image = new Image<L8>(16, 16, new L8(77));
        var jpeg = TestImages.Encode(image, new JpegEncoder { ColorType = JpegColorType.Luminance, Quality = 100 });
        Assert.Equal(8, Image.Identify(jpeg).PixelType.BitsPerPixel); // really one component
        using var decoded = Decode(jpeg);
        TestImages.Near(new Rgb24(77, 77, 77), decoded[8, 8], 1);
        Assert.Equal(decoded[8, 8].R, decoded[8, 8].B);
    }

    [Fact]
    public void Decode_PalettePng_LooksUpColours()
    {
        using var image = TestImages.Solid(4, 2, Red);
        image[3, 1] = Blue;
        var quantizer = new PaletteQuantizer(new[] { Color.Red, Color.Blue }, new QuantizerOptions { Dither = null });
        var png = TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.Palette, Quantizer = quantizer });
        Assert.Equal(3, png[25]); // IHDR colour type palette
        using var decoded = Decode(png);
        Assert.Equal(Red, decoded[0, 0]);
        Assert.Equal(Blue, decoded[3, 1]);
    }

    [Fact]
    public void Decode_RgbaPng_DropsAlphaWithoutCompositing()
    {
        using var image = new Image<Rgba32>(2, 1);
        image[0, 0] = new Rgba32(200, 100, 50, 0);
        image[1, 0] = new Rgba32(10, 20, 30, 128);
        var png = TestImages.Encode(image, new PngEncoder
        {
            ColorType = PngColorType.RgbWithAlpha,
            TransparentColorMode = PngTransparentColorMode.Preserve,
        });
        Assert.Equal(6, png[25]); // IHDR colour type RGBA
        using var decoded = Decode(png);
        Assert.Equal(new Rgb24(200, 100, 50), decoded[0, 0]); // not black, not white: the stored colour
        Assert.Equal(new Rgb24(10, 20, 30), decoded[1, 0]);
    }

    [Fact]
    public void Decode_JpegWithExifOrientation6_RotatedClockwise()
    {
        // Stored 32×16 with quadrants red | green over blue | white; orientation 6 = rotate 90° clockwise to display.
        using var image = new Image<Rgb24>(32, 16);
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 32; x++)
                image[x, y] = (x < 16, y < 8) switch { (true, true) => Red, (false, true) => Green, (true, false) => Blue, _ => White };
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        var jpeg = TestImages.Encode(image, new JpegEncoder { Quality = 100, ColorType = JpegColorType.YCbCrRatio444 });

        using var decoded = Decode(jpeg);

        Assert.Equal((16, 32), (decoded.Width, decoded.Height));
        TestImages.Near(Red, decoded[12, 4], 8);    // stored top-left → top-right
        TestImages.Near(Green, decoded[12, 28], 8); // stored top-right → bottom-right
        TestImages.Near(Blue, decoded[3, 4], 8);    // stored bottom-left → top-left
        TestImages.Near(White, decoded[3, 28], 8);  // stored bottom-right → bottom-left
    }

    [Fact]
    public void Decode_AnimatedGif_FirstFrameOnly()
    {
        using var image = TestImages.Solid(4, 4, Red);
        using (var second = TestImages.Solid(4, 4, Blue))
            image.Frames.AddFrame(second.Frames.RootFrame);
        var gif = TestImages.Encode(image, new SixLabors.ImageSharp.Formats.Gif.GifEncoder());

        using var decoded = Decode(gif);

        Assert.Equal(1, decoded.Frames.Count);
        Assert.Equal(Red, decoded[2, 2]);
    }
}

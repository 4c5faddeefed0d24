using System.Buffers.Binary;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using SixLabors.ImageSharp.Formats.Png;

namespace Graft.FeatureCache.Tests.Decoding;

/// <summary>PNGs cut short or holding fewer rows than declared: ImageSharp 2.1 decodes them, the missing rows black;
/// they must be skipped as Corrupt, while whole PNGs of every colour type and interlacing still decode.</summary>
public sealed class PngStructureTests
{
    private readonly ImageDecoder _decoder = new();

    private RejectReason Rejected(byte[] bytes) =>
        Assert.Throws<ImageRejectedException>(() => _decoder.Decode(ImageData.Encoded(bytes)).Dispose()).Reason;

    private static byte[] NoisePng(PngEncoder? encoder = null, int width = 64, int height = 48)
    {
        using var image = TestImages.Noise(width, height);
        return TestImages.Encode(image, encoder ?? new PngEncoder());
    }

    public static TheoryData<string> Encoders => ["rgb8", "rgb16", "grey1", "grey8", "palette", "rgba8", "adam7"];

    private static PngEncoder Encoder(string name) => name switch
    {
        "rgb8" => new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 },
        "rgb16" => new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 },
        "grey1" => new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit1 },
        "grey8" => new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 },
        "palette" => new PngEncoder { ColorType = PngColorType.Palette },
        "rgba8" => new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit8 },
        "adam7" => new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Encoders))]
    public void Decode_WholePng_Decodes(string encoder)
    {
        var png = NoisePng(Encoder(encoder), 37, 29); // odd sizes: partial bytes per row, short Adam7 passes
        Assert.Null(PngStructure.FindDamage(png));
        using var image = _decoder.Decode(ImageData.Encoded(png));
        Assert.Equal((37, 29), (image.Width, image.Height));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public void Decode_PngCut_Corrupt(double keep)
    {
        var png = NoisePng();
        Assert.Equal(RejectReason.Corrupt, Rejected(png[..(int)(png.Length * keep)]));
    }

    [Theory]
    [MemberData(nameof(Encoders))]
    public void Decode_PngCutInsideItsImageData_Corrupt(string encoder)
    {
        var png = NoisePng(Encoder(encoder));
        Assert.Equal(RejectReason.Corrupt, Rejected(png[..(png.Length * 3 / 4)]));
    }

    [Fact]
    public void Decode_PngWithoutIend_Corrupt()
    {
        var png = NoisePng();
        var damage = PngStructure.FindDamage(png[..^12]);
        Assert.Contains("no IEND", damage);
        Assert.Equal(RejectReason.Corrupt, Rejected(png[..^12]));
    }

    [Theory]
    [InlineData("rgb8")]
    [InlineData("adam7")]
    public void Decode_PngDeclaringMoreRowsThanItsDataHolds_Corrupt(string encoder)
    {
        var png = WithHeight(NoisePng(Encoder(encoder), 32, 32), 48); // valid CRCs, whole chunks, IEND: only rows missing
        Assert.Contains("of the", PngStructure.FindDamage(png));
        Assert.Equal(RejectReason.Corrupt, Rejected(png));
    }

    [Fact]
    public void Decode_PngWithBytesAfterIend_Decodes()
    {
        using var image = _decoder.Decode(ImageData.Encoded([.. NoisePng(), 1, 2, 3, 4, 5]));
        Assert.Equal(64, image.Width);
    }

    /// <summary>The PNG with its IHDR height replaced (CRC recomputed).</summary>
    private static byte[] WithHeight(byte[] png, int height)
    {
        var copy = (byte[])png.Clone();
        Assert.Equal("IHDR"u8.ToArray(), copy[12..16]);
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(20), (uint)height);
        var crc = System.IO.Hashing.Crc32.HashToUInt32(copy.AsSpan(12, 4 + 13));
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(12 + 4 + 13), crc);
        return copy;
    }
}

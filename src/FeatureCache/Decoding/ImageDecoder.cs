using System.Globalization;
using Graft.FeatureCache.Datasets;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Graft.FeatureCache.Decoding;

/// <summary>
/// Turns <see cref="ImageData"/> into an upright 8-bit RGB image: any format ImageSharp 2.1 reads (JPEG, PNG, GIF, BMP,
/// TIFF, WebP, TGA, PBM), EXIF orientation applied, grey/palette/CMYK/alpha/16-bit converted to RGB24. JPEG pixels come
/// from libjpeg-turbo (through SkiaSharp, <see cref="LibJpegTurbo"/>) — the decoder PIL, OpenCV and browsers use — so
/// a client outside .NET that decodes the same file gets the same pixels, and the features Graft evaluated. Thread-safe;
/// one instance serves all decode workers (it owns a memory pool, so make one per run, not one per image).
/// </summary>
/// <remarks>
/// Conversions, all ImageSharp's own: grey is replicated to R=G=B; palette entries are looked up; 16-bit samples are
/// scaled to 8 bits (0xFFFF → 255); CMYK and YCCK JPEGs are read as Adobe-inverted CMYK and multiplied out
/// (R = C·K/255, …); alpha is dropped, not composited on any background, so a transparent pixel keeps the colour it
/// stores (as PIL's <c>convert("RGB")</c>, which Keras' <c>load_img</c> uses). Embedded ICC profiles are ignored (pixels
/// are taken as sRGB). Multi-frame GIF, TIFF and WebP yield their first frame.
/// Every bad input throws <see cref="ImageRejectedException"/>: the size caps of <see cref="DecoderLimits"/> are checked
/// from the file length and the header before any pixel buffer exists, so a decompression bomb costs microseconds.
/// </remarks>
public sealed class ImageDecoder
{
    private const double BytesPerMegabyte = 1024 * 1024;
    private readonly Configuration _configuration;

    /// <summary>Creates a decoder; throws <see cref="GraftException"/> when a limit is not positive.</summary>
    public ImageDecoder(DecoderLimits? limits = null)
    {
        Limits = limits ?? DecoderLimits.Default;
        Limits.Validate();
        _configuration = CreateConfiguration(Limits);
    }

    public DecoderLimits Limits { get; }

    /// <summary>The ImageSharp configuration every decoded image carries: a capped allocator, and one thread per image
    /// because the pipeline parallelises across images (inner parallelism only adds hand-offs).</summary>
    internal Configuration Configuration => _configuration;

    /// <summary>Decodes one image. Throws <see cref="ImageRejectedException"/> for anything unusable; never anything else
    /// for bad bytes. The caller disposes the image.</summary>
    public Image<Rgb24> Decode(ImageData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.IsRaw ? WrapRaw(data) : DecodeEncoded(data.Bytes);
    }

    private Image<Rgb24> WrapRaw(ImageData data)
    {
        CheckMegapixels("Raw image", data.Width, data.Height);
        if (data.Channels == 3)
            return Image.LoadPixelData<Rgb24>(_configuration, data.Bytes, data.Width, data.Height);

        var image = new Image<Rgb24>(_configuration, data.Width, data.Height);
        var grey = data.Bytes;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                int offset = y * rows.Width;
                for (int x = 0; x < row.Length; x++)
                {
                    byte v = grey[offset + x];
                    row[x] = new Rgb24(v, v, v);
                }
            }
        });
        return image;
    }

    private Image<Rgb24> DecodeEncoded(byte[] bytes)
    {
        if (bytes.Length == 0)
            throw new ImageRejectedException(RejectReason.Empty, "The file is empty (0 bytes).");
        double megabytes = bytes.Length / BytesPerMegabyte;
        if (megabytes > Limits.MaxFileMegabytes)
            throw new ImageRejectedException(RejectReason.TooLarge,
                Invariant($"The file is {megabytes:0.#} MB, over the {Limits.MaxFileMegabytes} MB limit."));

        IImageFormat? format = Image.DetectFormat(_configuration, bytes);
        if (format is null)
            throw new ImageRejectedException(RejectReason.UnknownFormat,
                $"Not an image format ImageSharp reads (file starts {Convert.ToHexString(bytes, 0, Math.Min(8, bytes.Length))}).");

        IImageInfo? info;
        try
        {
            info = Image.Identify(_configuration, bytes, out _);
        }
        catch (Exception e)
        {
            throw Map(e, format.Name, "header");
        }
        if (info is null || info.Width <= 0 || info.Height <= 0)
            throw new ImageRejectedException(RejectReason.Corrupt, $"{format.Name} header is unreadable or cut short.");
        CheckMegapixels($"{format.Name} header", info.Width, info.Height);
        if (format is JpegFormat && !JpegStructure.IsComplete(bytes))
            throw new ImageRejectedException(RejectReason.Corrupt, "JPEG data is cut short (no end-of-image marker after the scan).");
        if (format is PngFormat && PngStructure.FindDamage(bytes) is { } damage)
            throw new ImageRejectedException(RejectReason.Corrupt, damage);

        Image<Rgb24> image;
        try
        {
            image = format is JpegFormat ? LibJpegTurbo.Decode(bytes, _configuration, info.Metadata) : Image.Load<Rgb24>(_configuration, bytes);
        }
        catch (Exception e)
        {
            throw Map(e, format.Name, "data");
        }
        try
        {
            KeepFirstFrame(image);
            Orient(image);
            return image;
        }
        catch (Exception e)
        {
            image.Dispose();
            throw Map(e, format.Name, "orientation");
        }
    }

    private void CheckMegapixels(string what, long width, long height)
    {
        double megapixels = width * height / 1e6;
        if (megapixels > Limits.MaxImageMegapixels)
            throw new ImageRejectedException(RejectReason.TooLarge,
                Invariant($"{what} says {width}×{height} = {megapixels:0.#} MP, over the {Limits.MaxImageMegapixels} MP limit."));
    }

    private static void KeepFirstFrame(Image<Rgb24> image)
    {
        // WebP has no first-frame-only mode in ImageSharp 2.1; drop the rest so resizing does not touch them.
        while (image.Frames.Count > 1)
            image.Frames.RemoveFrame(image.Frames.Count - 1);
    }

    private static void Orient(Image<Rgb24> image)
    {
        // AutoOrient is a no-op for orientation 1 but still builds a processing pipeline; skip it on the common path.
        var orientation = image.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value ?? 1;
        if (orientation is > 1 and <= 8)
            image.Mutate(x => x.AutoOrient());
    }

    private static ImageRejectedException Map(Exception e, string format, string part) => e switch
    {
        ImageRejectedException rejected => rejected,
        UnknownImageFormatException => new(RejectReason.UnknownFormat, $"{format} {part} not recognised: {e.Message}", e),
        InvalidImageContentException or ImageFormatException => new(RejectReason.Corrupt, $"{format} {part} is damaged: {e.Message}", e),
        NotSupportedException => new(RejectReason.Unsupported, $"{format} feature not supported: {e.Message}", e),
        InvalidMemoryOperationException or OutOfMemoryException =>
            new(RejectReason.TooLarge, $"{format} image needs more memory than allowed: {e.Message}", e),
        // ImageSharp 2.1 throws NullReference/IndexOutOfRange/EndOfStream for some damaged files (e.g. a JPEG cut inside
        // its Huffman tables); for bytes that passed the header checks these mean damage, not a bug here.
        _ => new(RejectReason.Corrupt, $"{format} {part} is damaged ({e.GetType().Name}: {e.Message})", e),
    };

    private static Configuration CreateConfiguration(DecoderLimits limits)
    {
        // A fresh Configuration, not Configuration.Default.Clone(): a clone shares the format manager, so setting
        // decoders on it would change ImageSharp's global default.
        var configuration = new Configuration(
            new PngConfigurationModule(), new JpegConfigurationModule(), new GifConfigurationModule(),
            new BmpConfigurationModule(), new PbmConfigurationModule(), new TgaConfigurationModule(),
            new TiffConfigurationModule(), new WebpConfigurationModule())
        {
            MaxDegreeOfParallelism = 1,
            PreferContiguousImageBuffers = true,
            // Per-buffer cap: the largest accepted image at 8 bytes per pixel (Rgba64, the widest pixel type a decoder
            // uses for 16-bit PNG) — a second line of defence behind the header check.
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = (int)Math.Clamp(Math.Ceiling(limits.MaxImageMegapixels * 1e6 * 8 / BytesPerMegabyte), 64, int.MaxValue),
            }),
        };
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

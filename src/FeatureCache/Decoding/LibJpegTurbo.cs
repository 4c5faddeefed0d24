using System.Buffers;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace Graft.FeatureCache.Decoding;

/// <summary>
/// JPEG decoding with libjpeg-turbo, through SkiaSharp's codec. Why not ImageSharp's own decoder: its IDCT and chroma
/// upsampling differ from libjpeg-turbo by a few levels on some pixels, enough to move a head's probabilities by up to
/// 0.03 — so an ONNX export fed by a Python/OpenCV/browser client (all libjpeg-turbo) would not reproduce the features
/// Graft was evaluated on. Pixels are taken as stored (no colour management, as PIL's <c>convert("RGB")</c>); EXIF
/// orientation is applied by the caller from the header ImageSharp already read.
/// </summary>
internal static class LibJpegTurbo
{
    public static Image<Rgb24> Decode(byte[] bytes, Configuration configuration, ImageMetadata header)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new ImageRejectedException(RejectReason.Corrupt, "JPEG data is damaged (libjpeg-turbo cannot read its header).");
        var size = codec.Info;
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        // Pooled: decode workers run this for every image, and photo-sized buffers would each be a large-object allocation.
        var rgba = ArrayPool<byte>.Shared.Rent(checked((int)info.BytesSize64));
        try
        {
            SKCodecResult result;
            unsafe
            {
                fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p);
            }
            if (result != SKCodecResult.Success)
                throw new ImageRejectedException(RejectReason.Corrupt, $"JPEG data is damaged (libjpeg-turbo: {result}).");

            var image = new Image<Rgb24>(configuration, size.Width, size.Height);
            image.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    var source = rgba.AsSpan(y * info.RowBytes, size.Width * 4);
                    for (var x = 0; x < row.Length; x++) row[x] = new Rgb24(source[4 * x], source[4 * x + 1], source[4 * x + 2]);
                }
            });
            // The caller orients from EXIF; the pixels carry no metadata of their own.
            if (header.ExifProfile is { } exif) image.Metadata.ExifProfile = exif.DeepClone();
            return image;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }
}

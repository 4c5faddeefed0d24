namespace Graft.FeatureCache.Datasets;

/// <summary>
/// The bytes of one image as its dataset stores them: either an encoded file (JPEG, PNG, ...) or raw 8-bit pixels
/// (IDX files store 28×28 grey pixels with no container). The content hash that keys the feature store is computed
/// over exactly these bytes (plus the shape for raw pixels), so the same picture in two datasets is computed once.
/// </summary>
public sealed class ImageData
{
    private ImageData(byte[] bytes, int width, int height, int channels)
    {
        Bytes = bytes;
        Width = width;
        Height = height;
        Channels = channels;
    }

    /// <summary>Encoded file bytes, or raw pixels row-major (H×W×C, interleaved) when <see cref="IsRaw"/>.</summary>
    public byte[] Bytes { get; }

    /// <summary>Raw pixel width; 0 for encoded data.</summary>
    public int Width { get; }

    /// <summary>Raw pixel height; 0 for encoded data.</summary>
    public int Height { get; }

    /// <summary>Raw channels per pixel (1 grey, 3 RGB); 0 for encoded data.</summary>
    public int Channels { get; }

    /// <summary>True for raw pixels (no decoding needed), false for an encoded image file.</summary>
    public bool IsRaw => Channels != 0;

    /// <summary>An encoded image file (any format; the decoder finds out which).</summary>
    public static ImageData Encoded(byte[] bytes) => new(bytes ?? throw new ArgumentNullException(nameof(bytes)), 0, 0, 0);

    /// <summary>Raw 8-bit pixels, H×W×C interleaved; channels is 1 (grey) or 3 (RGB).</summary>
    public static ImageData Raw(byte[] pixels, int width, int height, int channels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), "1 or 3 channels");
        if (width <= 0 || height <= 0 || (long)width * height * channels != pixels.Length)
            throw new ArgumentException($"{pixels.Length} bytes do not hold {width}×{height}×{channels} pixels.");
        return new ImageData(pixels, width, height, channels);
    }
}

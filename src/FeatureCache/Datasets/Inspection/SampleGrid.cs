using Graft.FeatureCache.Decoding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SkiaSharp;

namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>
/// The Keras seed's "look at some training images" figure: a grid of randomly chosen items, each fitted (aspect kept,
/// centred) into a <see cref="TileSize"/>-pixel square under its class name, written as a PNG.
/// </summary>
public static class SampleGrid
{
    /// <summary>Side of the square each image is fitted into, in pixels.</summary>
    public const int TileSize = 160;

    /// <summary>Height of the title band above each tile, in pixels.</summary>
    public const int TitleHeight = 22;

    /// <summary>Margin around each cell's content, in pixels.</summary>
    public const int Margin = 4;

    /// <summary>Width of one grid cell in pixels.</summary>
    public const int CellWidth = TileSize + 2 * Margin;

    /// <summary>Height of one grid cell in pixels (title band plus tile).</summary>
    public const int CellHeight = TitleHeight + TileSize + 2 * Margin;

    private static readonly SKColor Background = SKColors.White;
    private static readonly Rgb24 TileBackground = new(235, 235, 235);

    /// <summary>
    /// Draws <paramref name="rows"/> × <paramref name="columns"/> items chosen with <paramref name="seed"/> (all splits)
    /// into the PNG <paramref name="path"/> (folders created). Unreadable items get a grey tile naming the reason;
    /// without a usable font the grid is drawn without titles and the result carries a warning.
    /// Throws <see cref="GraftException"/> for an empty dataset or a grid outside 1..20 × 1..20.
    /// </summary>
    public static SampleGridResult Render(ImageDataset dataset, string path, int rows = 5, int columns = 5, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (rows is < 1 or > 20 || columns is < 1 or > 20)
            throw new GraftException($"A {rows}×{columns} grid is out of range.", "Use 1 to 20 rows and columns.");
        if (dataset.Items.Count == 0)
            throw new GraftException("The dataset has no images to draw.");

        var sample = ItemSampling.Sample(dataset.Items, rows * columns, seed);
        var decoder = new ImageDecoder();
        var typeface = GridFont.Typeface;
        var warnings = new List<string>();
        if (typeface is null)
            warnings.Add("No font draws text here (SkiaSharp's default typeface is empty and DejaVuSans.ttf was not found); "
                + "the grid has no titles. Install fonts-dejavu-core for titles.");

        int width = columns * CellWidth, height = rows * CellHeight;
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(Background);
        using var ink = typeface is null ? null : new SKPaint { Typeface = typeface, TextSize = 14, Color = SKColors.Black, IsAntialias = true };

        var unreadable = new List<UnreadableImage>();
        for (int i = 0; i < sample.Count; i++)
        {
            var item = sample[i];
            int left = i % columns * CellWidth + Margin, top = i / columns * CellHeight + Margin;
            FillTile(bitmap, left, top + TitleHeight);
            using (var image = ItemSampling.TryDecode(item, decoder, out var failure))
            {
                if (image is not null)
                    DrawImage(bitmap, image, left, top + TitleHeight);
                else
                {
                    unreadable.Add(failure!);
                    if (ink is not null)
                        DrawCentred(canvas, $"unreadable: {failure!.Reason}", left, top + TitleHeight + TileSize / 2, ink);
                }
            }
            if (ink is not null)
                DrawCentred(canvas, ClassName(dataset, item), left, top + TitleHeight - 6, ink);
        }
        canvas.Flush();

        var fullPath = System.IO.Path.GetFullPath(path);
        Save(bitmap, fullPath);
        return new SampleGridResult
        {
            Path = fullPath,
            Width = width,
            Height = height,
            TileIds = sample.Select(s => s.Id).ToArray(),
            Unreadable = unreadable,
            TitlesRendered = ink is not null,
            Font = ink is null ? null : GridFont.Description,
            Warnings = warnings,
        };
    }

    private static string ClassName(ImageDataset dataset, DatasetItem item) =>
        item.Label < dataset.ClassNames.Count ? dataset.ClassNames[item.Label] : $"label {item.Label}";

    private static void FillTile(SKBitmap bitmap, int left, int top)
    {
        var pixels = Pixels(bitmap);
        uint grey = Pack(TileBackground);
        for (int y = 0; y < TileSize; y++)
            pixels.Slice((top + y) * bitmap.Width + left, TileSize).Fill(grey);
    }

    /// <summary>Fits the image into the tile (aspect kept, centred) and copies its pixels into the RGBA bitmap.</summary>
    private static void DrawImage(SKBitmap bitmap, Image<Rgb24> image, int left, int top)
    {
        if (image.Width > TileSize || image.Height > TileSize || (image.Width < TileSize && image.Height < TileSize))
        {
            image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(TileSize, TileSize),
                Mode = SixLabors.ImageSharp.Processing.ResizeMode.Max,
                Sampler = KnownResamplers.Triangle,
            }));
        }
        int offsetX = left + (TileSize - image.Width) / 2, offsetY = top + (TileSize - image.Height) / 2;
        int stride = bitmap.Width;
        image.ProcessPixelRows(rows =>
        {
            var pixels = Pixels(bitmap);
            for (int y = 0; y < rows.Height; y++)
            {
                var source = rows.GetRowSpan(y);
                var target = pixels.Slice((offsetY + y) * stride + offsetX, source.Length);
                for (int x = 0; x < source.Length; x++)
                    target[x] = Pack(source[x]);
            }
        });
    }

    /// <summary>The bitmap's Rgba8888 pixels, one uint each, row-major without padding.</summary>
    private static unsafe Span<uint> Pixels(SKBitmap bitmap)
    {
        if (bitmap.RowBytes != bitmap.Width * 4)
            throw new InvalidOperationException($"Unexpected row stride {bitmap.RowBytes} for a {bitmap.Width}-pixel RGBA row.");
        return new Span<uint>((void*)bitmap.GetPixels(), bitmap.Width * bitmap.Height);
    }

    /// <summary>One Rgba8888 pixel as the uint its four bytes R, G, B, A form in memory (little-endian).</summary>
    private static uint Pack(Rgb24 p) => BitConverter.IsLittleEndian
        ? p.R | (uint)p.G << 8 | (uint)p.B << 16 | 0xFF000000u
        : (uint)p.R << 24 | (uint)p.G << 16 | (uint)p.B << 8 | 0xFFu;

    private static void DrawCentred(SKCanvas canvas, string text, int left, int baseline, SKPaint ink)
    {
        // Shorten long class names to the cell width rather than let them run into the neighbour.
        const int maxWidth = TileSize;
        string shown = text;
        while (shown.Length > 1 && ink.MeasureText(shown) > maxWidth)
            shown = shown[..^2] + "…";
        float x = left + (TileSize - ink.MeasureText(shown)) / 2;
        canvas.DrawText(shown, x, baseline, ink);
    }

    private static void Save(SKBitmap bitmap, string fullPath)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the grid as PNG.");
        AtomicFile.Write(fullPath, temp =>
        {
            using var stream = File.Create(temp);
            png.SaveTo(stream);
        });
    }
}

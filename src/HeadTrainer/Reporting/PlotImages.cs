using OxyPlot;
using SkiaSharp;

namespace Graft.HeadTrainer.Reporting;

/// <summary>PNG rendering of OxyPlot models (OxyPlot.SkiaSharp, headless) and side-by-side composition.</summary>
public static class PlotImages
{
    /// <summary>One plot as PNG bytes, <paramref name="width"/> × <paramref name="height"/> pixels, white background.</summary>
    public static byte[] Png(PlotModel model, int width, int height)
    {
        model.Background = OxyColors.White;
        using var stream = new MemoryStream();
        new OxyPlot.SkiaSharp.PngExporter { Width = width, Height = height }.Export(model, stream);
        return stream.ToArray();
    }

    /// <summary>PNG images placed left to right on one white canvas (height of the tallest).</summary>
    public static byte[] SideBySide(params byte[][] pngs)
    {
        var bitmaps = pngs.Select(p => SKBitmap.Decode(p) ?? throw new InvalidOperationException("Not a PNG.")).ToList();
        try
        {
            using var canvasBitmap = new SKBitmap(bitmaps.Sum(b => b.Width), bitmaps.Max(b => b.Height));
            using (var canvas = new SKCanvas(canvasBitmap))
            {
                canvas.Clear(SKColors.White);
                var x = 0;
                foreach (var b in bitmaps)
                {
                    canvas.DrawBitmap(b, x, 0);
                    x += b.Width;
                }
            }
            using var image = SKImage.FromBitmap(canvasBitmap);
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            return data.ToArray();
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }
}

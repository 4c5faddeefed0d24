using Graft.FineTuner.Training;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using OxyPlot.SkiaSharp;

namespace Graft.FineTuner.Reporting;

/// <summary>
/// The seed's two plots as one PNG: loss and accuracy per epoch, training vs validation, over the concatenated history
/// (head-only epochs, then fine-tuning), with a dashed vertical line where fine-tuning starts — as the Keras tutorial
/// draws <c>plt.plot([initial_epochs-1]*2, plt.ylim(), label='Start Fine Tuning')</c>.
/// </summary>
public static class CurvesPlot
{
    /// <param name="path">PNG file to write.</param>
    /// <param name="history">All epochs, in order.</param>
    /// <param name="fineTuneStartEpoch">First fine-tuning epoch (the line is drawn half an epoch before it); null for none.</param>
    /// <param name="width">Image width, pixels (two panels side by side).</param>
    /// <param name="height">Image height, pixels.</param>
    public static void Write(string path, IReadOnlyList<EpochRecord> history, int? fineTuneStartEpoch, int width = 1200, int height = 480)
    {
        var loss = Panel("Loss", "cross-entropy", history, r => r.Loss, r => r.ValLoss, fineTuneStartEpoch, 0);
        var accuracy = Panel("Accuracy", "accuracy", history, r => r.Accuracy, r => r.ValAccuracy, fineTuneStartEpoch, 0.5);
        using var left = new MemoryStream();
        using var right = new MemoryStream();
        var exporter = new PngExporter { Width = width / 2, Height = height };
        exporter.Export(loss, left);
        exporter.Export(accuracy, right);
        using var a = SkiaSharp.SKBitmap.Decode(left.ToArray());
        using var b = SkiaSharp.SKBitmap.Decode(right.ToArray());
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(a.Width + b.Width, Math.Max(a.Height, b.Height)));
        surface.Canvas.Clear(SkiaSharp.SKColors.White);
        surface.Canvas.DrawBitmap(a, 0, 0);
        surface.Canvas.DrawBitmap(b, a.Width, 0);
        using var image = surface.Snapshot();
        using var png = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = $"{path}.{Environment.ProcessId}.tmp";
        using (var file = File.Create(tmp)) png.SaveTo(file);
        File.Move(tmp, path, overwrite: true);
    }

    private static PlotModel Panel(string title, string yTitle, IReadOnlyList<EpochRecord> history, Func<EpochRecord, double> train,
        Func<EpochRecord, double> validation, int? start, double legendY)
    {
        var model = new PlotModel { Title = $"Training and validation {title.ToLowerInvariant()}", Background = OxyColors.White };
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch", MinimumMajorStep = 1 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yTitle });
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomCenter, LegendPlacement = LegendPlacement.Outside, LegendOrientation = LegendOrientation.Horizontal });
        model.Series.Add(Line($"training {title.ToLowerInvariant()}", history, train, OxyColor.FromRgb(31, 119, 180)));
        if (history.Any(r => !double.IsNaN(validation(r))))
            model.Series.Add(Line($"validation {title.ToLowerInvariant()}", history, validation, OxyColor.FromRgb(255, 127, 14)));
        if (start is { } s)
            model.Annotations.Add(new LineAnnotation
            {
                Type = LineAnnotationType.Vertical,
                X = s - 0.5,
                LineStyle = LineStyle.Dash,
                Color = OxyColors.DimGray,
                StrokeThickness = 1.5,
                Text = "start fine-tuning",
                TextOrientation = AnnotationTextOrientation.Vertical,
            });
        return model;
    }

    private static LineSeries Line(string title, IReadOnlyList<EpochRecord> history, Func<EpochRecord, double> value, OxyColor color)
    {
        var series = new LineSeries { Title = title, Color = color, MarkerType = MarkerType.Circle, MarkerSize = 3 };
        foreach (var r in history)
            if (!double.IsNaN(value(r))) series.Points.Add(new DataPoint(r.Epoch, value(r)));
        return series;
    }
}

using Graft.HeadTrainer.Training;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Graft.HeadTrainer.Reporting;

/// <summary>
/// curves.png: the seed's two plots side by side — loss and accuracy, training vs validation — per epoch for the MLP,
/// per L2 value (log axis) for the linear head's grid, and as single points for LightGBM. A dashed line marks the
/// kept epoch / grid point; after fine-tuning, a second one marks where fine-tuning started (the seed's
/// <c>plt.plot([initial_epochs-1]*2, plt.ylim(), label='Start Fine Tuning')</c>). The one writer of every run's
/// curves.png, head-only and fine-tuned alike.
/// </summary>
public static class CurvesPlot
{
    public const int PanelWidth = 640;
    public const int PanelHeight = 440;

    /// <summary>PNG bytes; <paramref name="kept"/> is the 1-based epoch / grid point whose model was kept (0: none);
    /// <paramref name="fineTuneStart"/> the first fine-tuning epoch, or null.</summary>
    public static byte[] Render(IReadOnlyList<EpochRecord> history, int kept, int? fineTuneStart = null)
    {
        var byL2 = history.Count > 0 && history.All(h => h.L2 is > 0);
        var loss = Panel("Loss (cross-entropy)", "loss", LegendPosition.RightTop, history, byL2, kept, fineTuneStart, h => h.Loss, h => h.ValLoss);
        var accuracy = Panel("Accuracy", "accuracy", LegendPosition.RightBottom, history, byL2, kept, fineTuneStart, h => h.Accuracy, h => h.ValAccuracy);
        return PlotImages.SideBySide(PlotImages.Png(loss, PanelWidth, PanelHeight), PlotImages.Png(accuracy, PanelWidth, PanelHeight));
    }

    /// <summary>Renders and writes <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IReadOnlyList<EpochRecord> history, int kept, int? fineTuneStart = null) =>
        AtomicFile.WriteAllBytes(path, Render(history, kept, fineTuneStart));

    private static PlotModel Panel(string title, string yTitle, LegendPosition legend, IReadOnlyList<EpochRecord> history, bool byL2, int kept,
        int? fineTuneStart, Func<EpochRecord, double> train, Func<EpochRecord, double> validation)
    {
        var model = new PlotModel { Title = title, TitleFontSize = 14 };
        model.Axes.Add(byL2
            ? new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "L2 strength", MajorGridlineStyle = LineStyle.Dot }
            : new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch", MajorGridlineStyle = LineStyle.Dot, MinimumPadding = 0.05, MaximumPadding = 0.05 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yTitle, MajorGridlineStyle = LineStyle.Dot, MinimumPadding = 0.05, MaximumPadding = 0.05 });
        model.Legends.Add(new Legend { LegendPosition = legend, LegendPlacement = LegendPlacement.Inside, LegendBackground = OxyColor.FromAColor(200, OxyColors.White) });
        double X(EpochRecord h) => byL2 ? h.L2!.Value : h.Epoch;
        var single = history.Count == 1;
        foreach (var (name, value, color) in new[] { ("training", train, OxyColor.FromRgb(31, 119, 180)), ("validation", validation, OxyColor.FromRgb(255, 127, 14)) })
        {
            var series = new LineSeries
            {
                Title = name,
                Color = color,
                StrokeThickness = 2,
                MarkerType = single || byL2 ? MarkerType.Circle : MarkerType.None,
                MarkerSize = 4,
                MarkerFill = color,
            };
            foreach (var h in history.OrderBy(X))
                if (!double.IsNaN(value(h))) series.Points.Add(new DataPoint(X(h), value(h)));
            model.Series.Add(series);
        }
        var keptRecord = history.FirstOrDefault(h => h.Epoch == kept);
        if (keptRecord is not null && !single)
            model.Annotations.Add(new LineAnnotation
            {
                Type = LineAnnotationType.Vertical,
                X = X(keptRecord),
                LineStyle = LineStyle.Dash,
                Color = OxyColors.Gray,
                Text = byL2 ? "chosen L2" : "kept",
                TextColor = OxyColors.Gray,
            });
        if (fineTuneStart is { } start && !byL2)
            model.Annotations.Add(new LineAnnotation
            {
                Type = LineAnnotationType.Vertical,
                X = start - 0.5,
                LineStyle = LineStyle.Dash,
                Color = OxyColors.DimGray,
                StrokeThickness = 1.5,
                Text = "start fine-tuning",
                TextOrientation = AnnotationTextOrientation.Vertical,
            });
        return model;
    }
}

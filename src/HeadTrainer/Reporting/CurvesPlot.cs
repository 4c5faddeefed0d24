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
/// kept epoch / grid point.
/// </summary>
public static class CurvesPlot
{
    public const int PanelWidth = 640;
    public const int PanelHeight = 440;

    /// <summary>PNG bytes; <paramref name="kept"/> is the 1-based epoch / grid point whose model was kept (0: none).</summary>
    public static byte[] Render(IReadOnlyList<EpochRecord> history, int kept)
    {
        var byL2 = history.Count > 0 && history.All(h => h.L2 is > 0);
        var loss = Panel("Loss (cross-entropy)", "loss", LegendPosition.RightTop, history, byL2, kept, h => h.Loss, h => h.ValLoss);
        var accuracy = Panel("Accuracy", "accuracy", LegendPosition.RightBottom, history, byL2, kept, h => h.Accuracy, h => h.ValAccuracy);
        return PlotImages.SideBySide(PlotImages.Png(loss, PanelWidth, PanelHeight), PlotImages.Png(accuracy, PanelWidth, PanelHeight));
    }

    private static PlotModel Panel(string title, string yTitle, LegendPosition legend, IReadOnlyList<EpochRecord> history, bool byL2, int kept,
        Func<EpochRecord, double> train, Func<EpochRecord, double> validation)
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
        return model;
    }
}

using System.Globalization;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace Graft.HeadTrainer.Reporting;

/// <summary>
/// confusion.png: the confusion matrix as a heat map, true class down the left, predicted class along the bottom,
/// class names on both axes. Colour is the share of the true class's images (row-normalised, so small classes are as
/// visible as large ones); cells show the counts while there is room (up to 30 classes).
/// </summary>
public static class ConfusionPlot
{
    /// <summary>PNG bytes for <paramref name="matrix"/>[true, predicted].</summary>
    public static byte[] Render(long[,] matrix, IReadOnlyList<string> classNames, string title)
    {
        var c = classNames.Count;
        if (matrix.GetLength(0) != c || matrix.GetLength(1) != c) throw new ArgumentException("Matrix and class names differ in size.");
        var cell = Math.Clamp(900 / Math.Max(c, 1), 10, 56);
        var labelRoom = Math.Min(220, 20 + 7 * classNames.Max(n => n.Length));
        var size = c * cell + labelRoom + 120;

        var data = new double[c, c];
        for (var t = 0; t < c; t++)
        {
            long rowSum = 0;
            for (var p = 0; p < c; p++) rowSum += matrix[t, p];
            // HeatMapSeries indexes Data[x, y]: x = predicted (bottom), y = true (left).
            for (var p = 0; p < c; p++) data[p, t] = rowSum == 0 ? 0 : (double)matrix[t, p] / rowSum;
        }
        var model = new PlotModel { Title = title, TitleFontSize = 14 };
        var bottom = new CategoryAxis { Position = AxisPosition.Bottom, Title = "predicted", Angle = c > 4 ? -45 : 0, GapWidth = 0, IsZoomEnabled = false };
        bottom.Labels.AddRange(classNames);
        var left = new CategoryAxis { Position = AxisPosition.Left, Title = "true", StartPosition = 1, EndPosition = 0, GapWidth = 0, IsZoomEnabled = false };
        left.Labels.AddRange(classNames);
        model.Axes.Add(bottom);
        model.Axes.Add(left);
        model.Axes.Add(new LinearColorAxis { Position = AxisPosition.Right, Palette = OxyPalette.Interpolate(200, OxyColors.White, OxyColor.FromRgb(8, 48, 107)), Minimum = 0, Maximum = 1, Title = "share of true class" });
        model.Series.Add(new HeatMapSeries
        {
            X0 = 0, X1 = c - 1, Y0 = 0, Y1 = c - 1,
            Data = data,
            CoordinateDefinition = HeatMapCoordinateDefinition.Center,
            Interpolate = false,
            RenderMethod = HeatMapRenderMethod.Rectangles,
        });
        // Counts as text (the colour is the share): white on dark cells.
        if (c <= 30)
            for (var t = 0; t < c; t++)
                for (var p = 0; p < c; p++)
                    model.Annotations.Add(new TextAnnotation
                    {
                        Text = matrix[t, p].ToString(CultureInfo.InvariantCulture),
                        TextPosition = new DataPoint(p, t),
                        TextHorizontalAlignment = HorizontalAlignment.Center,
                        TextVerticalAlignment = VerticalAlignment.Middle,
                        Stroke = OxyColors.Transparent,
                        FontSize = Math.Clamp(cell * 0.3, 7, 13),
                        TextColor = data[p, t] > 0.5 ? OxyColors.White : OxyColors.Black,
                    });
        // Few classes make a small plot: widen it to fit the title (about 8.5 px per character at 14 pt), or it is clipped.
        var width = Math.Max(size, (int)(title.Length * 8.5) + 60);
        return PlotImages.Png(model, width, size - 40);
    }
}

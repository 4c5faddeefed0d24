using System.Globalization;
using System.Net;
using System.Text;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Runs;

namespace Graft.HeadTrainer.Reporting;

/// <summary>
/// report.html: one self-contained page (images embedded as base64 PNG, no scripts, no external files) with the
/// run's training curves, the metrics, per-class table, most-confused pairs, the confusion matrix and a grid of
/// misclassified images with their true and predicted labels.
/// </summary>
public static class HtmlReport
{
    public static string Render(ReportContent c)
    {
        var m = c.Metrics;
        var run = c.Run;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append($"<title>Graft evaluation: {E(run.Head)} head on {E(run.Backbone.Name)}, {E(c.Split)} split</title>");
        html.Append("""
            <style>
            body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1320px;color:#222;padding:0 16px}
            h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
            table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
            th:first-child,td:first-child{text-align:left}.warn{background:#fff4d6;border:1px solid #e8c46a;padding:8px 12px}
            img.plot{max-width:100%;border:1px solid #eee}.grid{display:flex;flex-wrap:wrap;gap:10px}
            figure{margin:0;width:132px;font-size:12px;text-align:center}figure img{max-width:128px;max-height:128px;border:2px solid #c0392b}
            .muted{color:#777}
            </style></head><body>
            """);
        html.Append($"<h1>{E(run.Head)} head on {E(run.Backbone.Name)} features — {E(c.Split)} split</h1>");
        html.Append($"<p class=\"muted\">Run created {run.CreatedUtc:u} by Graft {E(run.GraftVersion)}; cache {E(run.Cache)}, feature set {E(run.FeatureSetId)}; " +
                    $"seed {run.Seed}; train {run.Splits.Train}, validation {run.Splits.Validation} ({E(run.Splits.ValidationSource.Description)}).</p>");
        if (c.Warning is not null) html.Append($"<p class=\"warn\">{E(c.Warning)}</p>");

        html.Append("<h2>Metrics</h2><table>");
        Row(html, "images", m.NumExamples.ToString(CultureInfo.InvariantCulture));
        Row(html, "accuracy", P(m.Accuracy));
        Row(html, $"top-{Math.Min(5, m.ClassNames.Count)} accuracy", P(m.Top5Accuracy));
        Row(html, "macro F1", F(m.MacroF1));
        Row(html, "log-loss", F(m.LogLoss));
        Row(html, "validation accuracy (training time)", P(run.ValidationAccuracy));
        html.Append("</table>");

        if (c.CurvesPng is not null)
            html.Append($"<h2>Training curves</h2><img class=\"plot\" alt=\"loss and accuracy curves\" src=\"data:image/png;base64,{Convert.ToBase64String(c.CurvesPng)}\">");

        html.Append("<h2>Per class</h2><table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>");
        foreach (var k in m.PerClass)
            html.Append($"<tr><td>{E(k.Name)}</td><td>{F(k.Precision)}</td><td>{F(k.Recall)}</td><td>{F(k.F1)}</td><td>{k.Support}</td></tr>");
        html.Append("</table>");

        html.Append("<h2>Most confused</h2>");
        if (m.MostConfused.Count == 0) html.Append("<p>No confusions.</p>");
        else
        {
            html.Append("<table><tr><th>true</th><th>predicted as</th><th>images</th><th>share of true class</th></tr>");
            foreach (var p in m.MostConfused)
                html.Append($"<tr><td>{E(p.True)}</td><td>{E(p.Predicted)}</td><td>{p.Count}</td><td>{P(p.ShareOfTrue)}</td></tr>");
            html.Append("</table>");
        }

        html.Append($"<h2>Confusion matrix</h2><img class=\"plot\" alt=\"confusion matrix\" src=\"data:image/png;base64,{Convert.ToBase64String(c.ConfusionPng)}\">");

        html.Append($"<h2>Misclassified images ({c.Misclassified.Count}{(c.Misclassified.Count > c.Thumbnails.Count ? $", {c.Thumbnails.Count} shown" : "")})</h2>");
        if (c.ThumbnailNote is not null) html.Append($"<p class=\"muted\">{E(c.ThumbnailNote)}</p>");
        html.Append("<div class=\"grid\">");
        foreach (var x in c.Misclassified.Where(x => c.Thumbnails.ContainsKey(x.Id)))
            html.Append($"<figure><img alt=\"{E(x.Id)}\" title=\"{E(x.Id)}\" src=\"data:image/png;base64,{c.Thumbnails[x.Id]}\">" +
                        $"<figcaption>true: <b>{E(x.True)}</b><br>predicted: {E(x.Predicted)} ({P(x.Confidence)})</figcaption></figure>");
        html.Append("</div></body></html>\n");
        return html.ToString();
    }

    private static void Row(StringBuilder html, string name, string value) => html.Append($"<tr><td>{E(name)}</td><td>{value}</td></tr>");

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string P(double v) => double.IsNaN(v) ? "–" : (100 * v).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("0.0000", CultureInfo.InvariantCulture);
}

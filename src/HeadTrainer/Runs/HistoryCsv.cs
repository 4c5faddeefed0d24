using System.Globalization;
using System.Text;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Runs;

/// <summary>
/// history.csv: one row per <see cref="EpochRecord"/>, columns epoch, loss, accuracy, val_loss, val_accuracy, lr,
/// seconds (Keras's History plus timing), and l2 for the linear head's grid. Numbers in invariant culture, round-trip
/// precision; an empty cell is NaN (no learning rate for linear and LightGBM).
/// </summary>
public static class HistoryCsv
{
    private static readonly string[] Columns = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"];

    public static void Write(string path, IReadOnlyList<EpochRecord> history)
    {
        var withL2 = history.Any(h => h.L2 is not null);
        var text = new StringBuilder();
        text.AppendLine(string.Join(',', withL2 ? [.. Columns, "l2"] : Columns));
        foreach (var h in history)
        {
            var cells = new List<string>
            {
                h.Epoch.ToString(CultureInfo.InvariantCulture), Number(h.Loss), Number(h.Accuracy), Number(h.ValLoss),
                Number(h.ValAccuracy), Number(h.LearningRate), Number(h.Seconds),
            };
            if (withL2) cells.Add(h.L2 is { } l2 ? Number(l2) : "");
            text.AppendLine(string.Join(',', cells));
        }
        File.WriteAllText(path, text.ToString());
    }

    public static IReadOnlyList<EpochRecord> Read(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) return [];
        var header = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name);
        var (epoch, loss, acc, vloss, vacc, lr, secs, l2) = (Col("epoch"), Col("loss"), Col("accuracy"), Col("val_loss"),
            Col("val_accuracy"), Col("lr"), Col("seconds"), Col("l2"));
        if (epoch < 0 || loss < 0 || acc < 0 || vloss < 0 || vacc < 0)
            throw new GraftException($"'{path}' is not a Graft history file (header: {lines[0]}).");
        return lines.Skip(1).Select(line =>
        {
            var c = line.Split(',');
            double Get(int i) => i < 0 || i >= c.Length || c[i].Length == 0 ? double.NaN : double.Parse(c[i], CultureInfo.InvariantCulture);
            return new EpochRecord
            {
                Epoch = int.Parse(c[epoch], CultureInfo.InvariantCulture),
                Loss = Get(loss),
                Accuracy = Get(acc),
                ValLoss = Get(vloss),
                ValAccuracy = Get(vacc),
                LearningRate = Get(lr),
                Seconds = Get(secs),
                L2 = l2 >= 0 && l2 < c.Length && c[l2].Length > 0 ? Get(l2) : null,
            };
        }).ToList();
    }

    private static string Number(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Runs;

/// <summary>
/// history.csv: one row per <see cref="EpochRecord"/>, columns epoch, loss, accuracy, val_loss, val_accuracy, lr,
/// seconds (Keras's History plus timing), and l2 for the linear head's grid. Numbers in invariant culture, round-trip
/// precision; an empty cell is NaN (no learning rate for linear and LightGBM). The one reader and writer of every run's
/// history, head-only and fine-tuned; reading accepts the columns in any order and Keras's aliases (acc, val_acc,
/// learning_rate, time), and needs only the epoch.
/// </summary>
public static class HistoryCsv
{
    private static readonly string[] Columns = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"];

    /// <summary>Writes the rows atomically (temp file + rename).</summary>
    public static void Write(string path, IEnumerable<EpochRecord> rows)
    {
        var history = rows.ToList();
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
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>The rows of <paramref name="path"/>; none when the file does not exist.</summary>
    public static IReadOnlyList<EpochRecord> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToArray();
        if (lines.Length == 0) return [];
        var header = lines[0].Split(',').Select(c => c.Trim().ToLowerInvariant()).ToList();
        int Col(params string[] names) => names.Select(n => header.IndexOf(n)).FirstOrDefault(i => i >= 0, -1);
        var (epoch, loss, acc, vloss, vacc, lr, secs, l2) = (Col("epoch"), Col("loss"), Col("accuracy", "acc"), Col("val_loss"),
            Col("val_accuracy", "val_acc"), Col("lr", "learning_rate"), Col("seconds", "time"), Col("l2"));
        if (epoch < 0)
            throw new GraftException($"'{path}' is not a Graft history file (header: {lines[0]}).", $"A history file starts with the header {string.Join(',', Columns)}.");
        return lines.Skip(1).Select(line =>
        {
            var c = line.Split(',');
            double Get(int i) => i >= 0 && i < c.Length && double.TryParse(c[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
            if (!int.TryParse(c[epoch], NumberStyles.Integer, CultureInfo.InvariantCulture, out var e))
                throw new GraftException($"'{path}': '{c[epoch]}' is not an epoch number.");
            return new EpochRecord
            {
                Epoch = e,
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

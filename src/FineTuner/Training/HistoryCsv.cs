using System.Globalization;

namespace Graft.FineTuner.Training;

/// <summary>
/// Reads and writes <c>history.csv</c>: header <c>epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds</c>, one row per
/// epoch, invariant culture. Reading accepts the columns in any order and ignores unknown ones, so a head trainer's
/// file with extra columns is continued without loss of the known ones.
/// </summary>
public static class HistoryCsv
{
    public const string Header = "epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds";

    public static IReadOnlyList<EpochRecord> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToArray();
        if (lines.Length == 0) return [];
        var columns = lines[0].Split(',').Select(c => c.Trim().ToLowerInvariant()).ToList();
        int Col(params string[] names) => names.Select(n => columns.IndexOf(n)).FirstOrDefault(i => i >= 0, -1);
        var epoch = Col("epoch");
        if (epoch < 0) throw new GraftException($"'{path}' has no 'epoch' column.", $"A history file starts with the header {Header}.");
        int loss = Col("loss"), acc = Col("accuracy", "acc"), vloss = Col("val_loss"), vacc = Col("val_accuracy", "val_acc"), lr = Col("lr", "learning_rate"), sec = Col("seconds", "time");
        var rows = new List<EpochRecord>();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            double Get(int i) => i >= 0 && i < f.Length && double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
            if (!int.TryParse(f[epoch], NumberStyles.Integer, CultureInfo.InvariantCulture, out var e))
                throw new GraftException($"'{path}': '{f[epoch]}' is not an epoch number.");
            rows.Add(new EpochRecord(e, Get(loss), Get(acc), Get(vloss), Get(vacc), Get(lr), Get(sec)));
        }
        return rows;
    }

    /// <summary>Writes the rows atomically (temp file + rename).</summary>
    public static void Write(string path, IEnumerable<EpochRecord> rows)
    {
        static string F(double v) => double.IsNaN(v) ? "" : v.ToString("G9", CultureInfo.InvariantCulture);
        var lines = new List<string> { Header };
        lines.AddRange(rows.Select(r => string.Join(',', r.Epoch.ToString(CultureInfo.InvariantCulture), F(r.Loss), F(r.Accuracy), F(r.ValLoss),
            F(r.ValAccuracy), F(r.LearningRate), F(r.Seconds))));
        var tmp = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllLines(tmp, lines);
        File.Move(tmp, path, overwrite: true);
    }
}

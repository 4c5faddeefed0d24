using System.Text.Json;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Training;

/// <summary>Writes a <see cref="SplitEvaluation"/> as <c>metrics-*.json</c> with the field names of the head
/// trainer's metrics (split, num_examples, accuracy, log_loss, class_names, confusion_matrix).</summary>
public static class EvaluationFile
{
    public static void Write(string path, SplitEvaluation e, IReadOnlyList<string> classNames, string model)
    {
        var c = classNames.Count;
        var confusion = new int[c][];
        for (var i = 0; i < c; i++) confusion[i] = new int[c];
        for (var i = 0; i < e.Count; i++) confusion[e.Labels[i]][e.Predicted(i, c)]++;
        var json = new Dictionary<string, object?>
        {
            ["split"] = e.Split.ToString().ToLowerInvariant(),
            ["model"] = model,
            ["num_examples"] = e.Count,
            ["accuracy"] = e.Accuracy,
            ["log_loss"] = e.Loss,
            ["class_names"] = classNames,
            ["confusion_matrix"] = confusion,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}

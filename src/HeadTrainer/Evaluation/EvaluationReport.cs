using System.Text.Json;
using Graft.FeatureCache.Datasets;
using Graft.HeadTrainer.Runs;

namespace Graft.HeadTrainer.Evaluation;

/// <summary>
/// What <see cref="Evaluator.Evaluate"/> measured and wrote. <see cref="ToJson"/> is the content of metrics.json:
/// split, num_examples, accuracy, top5_accuracy, macro_f1, log_loss, class_names, confusion_matrix ([true][predicted]),
/// per_class (precision, recall, f1, support), most_confused, misclassified (id, true, predicted, confidence), plus
/// the run and feature set evaluated and a warning when the split is not an unbiased one.
/// </summary>
public sealed record EvaluationReport
{
    public required string RunDirectory { get; init; }
    public required Split Split { get; init; }
    public required ClassificationMetrics Metrics { get; init; }
    public required IReadOnlyList<Misclassification> Misclassified { get; init; }
    public required string FeatureSetId { get; init; }
    public required string Cache { get; init; }
    public required DateTime EvaluatedUtc { get; init; }

    /// <summary>Set when the split took part in training or selection, so its numbers are optimistic.</summary>
    public string? Warning { get; init; }

    /// <summary>Split images without features in the cache (left out of the metrics).</summary>
    public int MissingFeatures { get; init; }

    public required string MetricsPath { get; init; }
    public required string ConfusionPath { get; init; }
    public required string ReportPath { get; init; }

    /// <summary>Why some misclassified images have no thumbnail in the report; null when all do.</summary>
    public string? ThumbnailNote { get; init; }

    /// <summary>metrics.json.</summary>
    public string ToJson()
    {
        var m = Metrics;
        var document = new Dictionary<string, object?>
        {
            ["split"] = Split.ToName(),
            ["num_examples"] = m.NumExamples,
            ["accuracy"] = m.Accuracy,
            ["top5_accuracy"] = m.Top5Accuracy,
            ["macro_f1"] = m.MacroF1,
            ["log_loss"] = m.LogLoss,
            ["class_names"] = m.ClassNames,
            ["confusion_matrix"] = m.ConfusionMatrix,
            ["per_class"] = m.PerClass.Select(k => new { name = k.Name, precision = k.Precision, recall = k.Recall, f1 = k.F1, support = k.Support }),
            ["most_confused"] = m.MostConfused.Select(p => new { @true = p.True, predicted = p.Predicted, count = p.Count, share_of_true = p.ShareOfTrue }),
            ["warning"] = Warning,
            ["missing_features"] = MissingFeatures,
            ["run"] = RunDirectory,
            ["cache"] = Cache,
            ["feature_set_id"] = FeatureSetId,
            ["evaluated_utc"] = EvaluatedUtc,
            ["misclassified"] = Misclassified.Select(x => new { id = x.Id, @true = x.True, predicted = x.Predicted, confidence = x.Confidence }),
        };
        return JsonSerializer.Serialize(document, RunConfig.Json) + "\n";
    }
}

namespace Graft.HeadTrainer.Evaluation;

/// <summary>
/// Classification metrics from class probabilities, computed by Graft (no ML.NET evaluator), with scikit-learn's
/// conventions: precision of a class never predicted and recall of a class never present are 0; macro F1 averages
/// over the classes that occur in the labels or the predictions; log-loss clips p[y] at 1e-15; top-5 accuracy counts a
/// row as correct when its label is among the min(5, C) most probable classes.
/// </summary>
public sealed record ClassificationMetrics
{
    public required int NumExamples { get; init; }
    public required double Accuracy { get; init; }
    public required double Top5Accuracy { get; init; }
    public required double MacroF1 { get; init; }
    public required double LogLoss { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>ConfusionMatrix[t][p]: images of true class t predicted as p.</summary>
    public required long[][] ConfusionMatrix { get; init; }
    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    /// <summary>Off-diagonal cells by count (then share), largest first; at most 10, none with count 0.</summary>
    public required IReadOnlyList<ConfusedPair> MostConfused { get; init; }

    /// <summary>Metrics of <paramref name="probabilities"/> ([rows × C]) against 0-based <paramref name="labels"/>.</summary>
    public static ClassificationMetrics Compute(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames)
    {
        var c = classNames.Count;
        var n = labels.Length;
        if (probabilities.Length != n * c) throw new ArgumentException($"{probabilities.Length} probabilities are not {n} rows of {c}.");
        var predicted = new int[n];
        var top = Math.Min(5, c);
        var inTop = 0;
        for (var i = 0; i < n; i++)
        {
            var row = probabilities.Slice(i * c, c);
            predicted[i] = ProbabilityMetrics.ArgMax(row);
            // Rank of the label: classes strictly more probable, plus equally probable ones with a lower index.
            var y = labels[i];
            var ahead = 0;
            for (var k = 0; k < c; k++)
                if (row[k] > row[y] || (row[k] == row[y] && k < y)) ahead++;
            if (ahead < top) inTop++;
        }
        var metrics = FromPredictions(labels, predicted, classNames);
        return metrics with
        {
            Top5Accuracy = n == 0 ? double.NaN : (double)inTop / n,
            LogLoss = ProbabilityMetrics.LogLoss(probabilities, labels, c),
        };
    }

    /// <summary>The label-only metrics (accuracy, confusion, per class, macro F1) from predicted classes; top-5 and
    /// log-loss are NaN (they need probabilities).</summary>
    public static ClassificationMetrics FromPredictions(ReadOnlySpan<int> labels, ReadOnlySpan<int> predicted, IReadOnlyList<string> classNames)
    {
        var c = classNames.Count;
        var n = labels.Length;
        if (predicted.Length != n) throw new ArgumentException("Labels and predictions differ in length.");
        var matrix = new long[c][];
        for (var t = 0; t < c; t++) matrix[t] = new long[c];
        var correct = 0;
        for (var i = 0; i < n; i++)
        {
            if (labels[i] < 0 || labels[i] >= c || predicted[i] < 0 || predicted[i] >= c)
                throw new ArgumentOutOfRangeException(nameof(labels), $"Row {i}: class index out of range 0..{c - 1}.");
            matrix[labels[i]][predicted[i]]++;
            if (labels[i] == predicted[i]) correct++;
        }
        var perClass = new List<ClassMetrics>(c);
        var f1Sum = 0.0;
        var present = 0;
        for (var k = 0; k < c; k++)
        {
            long tp = matrix[k][k], support = 0, predictedCount = 0;
            for (var j = 0; j < c; j++)
            {
                support += matrix[k][j];
                predictedCount += matrix[j][k];
            }
            var precision = predictedCount == 0 ? 0 : (double)tp / predictedCount;
            var recall = support == 0 ? 0 : (double)tp / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(classNames[k], precision, recall, f1, support));
            if (support > 0 || predictedCount > 0)
            {
                f1Sum += f1;
                present++;
            }
        }
        var pairs = new List<ConfusedPair>();
        for (var t = 0; t < c; t++)
            for (var p = 0; p < c; p++)
                if (t != p && matrix[t][p] > 0)
                    pairs.Add(new ConfusedPair(classNames[t], classNames[p], matrix[t][p], (double)matrix[t][p] / perClass[t].Support));
        return new ClassificationMetrics
        {
            NumExamples = n,
            Accuracy = n == 0 ? double.NaN : (double)correct / n,
            Top5Accuracy = double.NaN,
            MacroF1 = present == 0 ? double.NaN : f1Sum / present,
            LogLoss = double.NaN,
            ClassNames = classNames,
            ConfusionMatrix = matrix,
            PerClass = perClass,
            MostConfused = pairs.OrderByDescending(p => p.Count).ThenByDescending(p => p.ShareOfTrue)
                .ThenBy(p => p.True, StringComparer.Ordinal).ThenBy(p => p.Predicted, StringComparer.Ordinal).Take(10).ToList(),
        };
    }

    /// <summary>The confusion matrix as a 2-D array [true, predicted].</summary>
    public long[,] ToMatrix()
    {
        var c = ClassNames.Count;
        var m = new long[c, c];
        for (var t = 0; t < c; t++)
            for (var p = 0; p < c; p++)
                m[t, p] = ConfusionMatrix[t][p];
        return m;
    }
}

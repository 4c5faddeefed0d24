namespace Graft.HeadTrainer.Evaluation;

/// <summary>
/// Accuracy and log-loss straight from class probabilities — what model selection and early stopping compare.
/// Log-loss is the mean of −ln p[y] with p clipped below at <see cref="Epsilon"/> (scikit-learn's historical
/// log_loss eps), so one confident mistake costs at most ln(1/ε) ≈ 34.5 nats instead of infinity.
/// </summary>
public static class ProbabilityMetrics
{
    public const double Epsilon = 1e-15;

    /// <summary>Mean −ln max(p[y], ε) over rows; <paramref name="probabilities"/> is [rows × C].</summary>
    public static double LogLoss(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, int classes)
    {
        Check(probabilities, labels, classes);
        if (labels.Length == 0) return double.NaN;
        double sum = 0;
        for (var i = 0; i < labels.Length; i++) sum -= Math.Log(Math.Max(probabilities[i * classes + labels[i]], Epsilon));
        return sum / labels.Length;
    }

    /// <summary>Fraction of rows whose highest probability is the label (ties go to the lower class index).</summary>
    public static double Accuracy(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, int classes)
    {
        Check(probabilities, labels, classes);
        if (labels.Length == 0) return double.NaN;
        var correct = 0;
        for (var i = 0; i < labels.Length; i++)
            if (ArgMax(probabilities.Slice(i * classes, classes)) == labels[i]) correct++;
        return (double)correct / labels.Length;
    }

    /// <summary>Index of the largest value; the first on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var c = 1; c < values.Length; c++) if (values[c] > values[best]) best = c;
        return best;
    }

    private static void Check(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, int classes)
    {
        if (probabilities.Length != labels.Length * classes)
            throw new ArgumentException($"{probabilities.Length} probabilities are not {labels.Length} rows of {classes}.");
    }
}

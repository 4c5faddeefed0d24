using Graft.FeatureCache.Datasets;

namespace Graft.FineTuner.Training;

/// <summary>Loss, accuracy and per-image class probabilities of a model on one split (eval mode).</summary>
/// <param name="Split">The split evaluated.</param>
/// <param name="Count">Images evaluated.</param>
/// <param name="Loss">Mean cross-entropy.</param>
/// <param name="Accuracy">Top-1 accuracy in [0, 1].</param>
/// <param name="Ids">Item ids, row order of <paramref name="Probabilities"/>.</param>
/// <param name="Labels">True labels.</param>
/// <param name="Probabilities">Count × C softmax probabilities, row-major.</param>
public sealed record SplitEvaluation(Split Split, int Count, double Loss, double Accuracy, IReadOnlyList<string> Ids, IReadOnlyList<int> Labels, float[] Probabilities)
{
    /// <summary>Predicted class of row i.</summary>
    public int Predicted(int i, int classes)
    {
        var row = Probabilities.AsSpan(i * classes, classes);
        var best = 0;
        for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
        return best;
    }
}

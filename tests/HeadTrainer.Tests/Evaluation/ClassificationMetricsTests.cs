using Graft.HeadTrainer.Evaluation;

namespace Graft.HeadTrainer.Tests.Evaluation;

public sealed class ClassificationMetricsTests
{
    private static readonly string[] Abc = ["A", "B", "C"];

    // true: A A A A B B B C C C; predicted: A A B C B B A C C A. By hand:
    //            pred A  B  C
    // true A        2  1  1     precision A = 2/4, recall A = 2/4, F1 = 0.5
    // true B        1  2  0     precision B = 2/3, recall B = 2/3, F1 = 2/3
    // true C        1  0  2     precision C = 2/3, recall C = 2/3, F1 = 2/3
    // accuracy 6/10; macro F1 = (0.5 + 2/3 + 2/3) / 3 = 0.61111
    private static readonly int[] Truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
    private static readonly int[] Predicted = [0, 0, 1, 2, 1, 1, 0, 2, 2, 0];

    [Fact]
    public void FromPredictions_HandComputedMatrix_MatchesEveryNumber()
    {
        var m = ClassificationMetrics.FromPredictions(Truth, Predicted, Abc);

        Assert.Equal(new long[][] { [2, 1, 1], [1, 2, 0], [1, 0, 2] }, m.ConfusionMatrix);
        Assert.Equal(10, m.NumExamples);
        Assert.Equal(0.6, m.Accuracy, 12);
        Assert.Equal((0.5 + 2.0 / 3 + 2.0 / 3) / 3, m.MacroF1, 12);
        Assert.Equal(new[] { 0.5, 2.0 / 3, 2.0 / 3 }, m.PerClass.Select(k => k.Precision), new RoundedComparer());
        Assert.Equal(new[] { 0.5, 2.0 / 3, 2.0 / 3 }, m.PerClass.Select(k => k.Recall), new RoundedComparer());
        Assert.Equal(new[] { 0.5, 2.0 / 3, 2.0 / 3 }, m.PerClass.Select(k => k.F1), new RoundedComparer());
        Assert.Equal([4L, 3L, 3L], m.PerClass.Select(k => k.Support));
    }

    [Fact]
    public void FromPredictions_HandComputedMatrix_OrdersMostConfusedByCountThenShare()
    {
        var m = ClassificationMetrics.FromPredictions(Truth, Predicted, Abc);

        // All four confusions have count 1; B→A and C→A are 1/3 of their class, A→B and A→C 1/4.
        Assert.Equal(["B→A", "C→A", "A→B", "A→C"], m.MostConfused.Select(p => $"{p.True}→{p.Predicted}"));
        Assert.Equal(1.0 / 3, m.MostConfused[0].ShareOfTrue, 12);
        Assert.Equal(0.25, m.MostConfused[2].ShareOfTrue, 12);
    }

    [Fact]
    public void FromPredictions_ClassNeitherTrueNorPredicted_IsLeftOutOfMacroF1()
    {
        // D never occurs: scikit-learn's macro average covers only the labels present.
        var m = ClassificationMetrics.FromPredictions(Truth, Predicted, ["A", "B", "C", "D"]);

        Assert.Equal((0.5 + 2.0 / 3 + 2.0 / 3) / 3, m.MacroF1, 12);
        Assert.Equal(0, m.PerClass[3].Support);
        Assert.Equal(0, m.PerClass[3].F1);
    }

    [Fact]
    public void FromPredictions_ClassPredictedButNeverTrue_CountsWithZeroPrecision()
    {
        // true A A B B; predicted A C B B: C is predicted once, never true → precision 0, recall 0, F1 0, in the average.
        var m = ClassificationMetrics.FromPredictions([0, 0, 1, 1], [0, 2, 1, 1], Abc);

        Assert.Equal(0, m.PerClass[2].Precision);
        // A: precision 1/1, recall 1/2, F1 2/3; B: precision 2/2, recall 2/2, F1 1; C: 0 → macro = (2/3 + 1 + 0) / 3.
        Assert.Equal((2.0 / 3 + 1) / 3, m.MacroF1, 12);
    }

    [Fact]
    public void Compute_Probabilities_LogLossAndTopKByHand()
    {
        // 2 classes, p[y] = 0.9, 0.6, 0.2, 0.5 → log-loss = −(ln .9 + ln .6 + ln .2 + ln .5) / 4.
        float[] p = [0.9f, 0.1f, 0.4f, 0.6f, 0.8f, 0.2f, 0.5f, 0.5f];
        int[] y = [0, 1, 1, 0];

        var m = ClassificationMetrics.Compute(p, y, ["x", "y"]);

        var expected = -(Math.Log(0.9) + Math.Log(0.6) + Math.Log(0.2) + Math.Log(0.5)) / 4;
        Assert.Equal(expected, m.LogLoss, 6);
        // Row 3 is a tie (0.5, 0.5): arg-max takes the lower index, class 0 = its label.
        Assert.Equal(0.75, m.Accuracy, 12);
        Assert.Equal(1.0, m.Top5Accuracy, 12); // with 2 classes every label is in the top 2
    }

    [Fact]
    public void Compute_LabelSixthMostProbable_NotInTop5()
    {
        // 7 classes; the label (6) has the 6th highest probability in row 0, the 5th in row 1.
        float[] p =
        [
            0.30f, 0.20f, 0.15f, 0.12f, 0.10f, 0.05f, 0.08f,
            0.30f, 0.20f, 0.15f, 0.12f, 0.05f, 0.08f, 0.10f,
        ];
        var names = Enumerable.Range(0, 7).Select(i => $"c{i}").ToArray();

        var m = ClassificationMetrics.Compute(p, [5, 6], names);

        Assert.Equal(0.5, m.Top5Accuracy, 12);
        Assert.Equal(0, m.Accuracy);
    }

    [Fact]
    public void Compute_ZeroProbabilityForLabel_LogLossClippedAtEpsilon()
    {
        var m = ClassificationMetrics.Compute([1f, 0f], [1], ["a", "b"]);

        Assert.Equal(-Math.Log(1e-15), m.LogLoss, 6);
    }

    private sealed class RoundedComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-9;
        public int GetHashCode(double obj) => 0;
    }
}

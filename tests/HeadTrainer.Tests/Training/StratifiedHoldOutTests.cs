using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Tests.Training;

public sealed class StratifiedHoldOutTests
{
    private static LabeledFeatures Labels(params int[] labels) =>
        new(1, new float[labels.Length], labels, labels.Select((_, i) => $"id{i:D3}").ToArray());

    [Fact]
    public void Split_SameSeed_SameRowsWhateverTheRowOrder()
    {
        var data = Labels(0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        var reversed = data.Take(Enumerable.Range(0, data.Count).Reverse().ToArray());

        var a = StratifiedHoldOut.Split(data, 0.2, 5).Validation.Select(i => data.Ids[i]).Order();
        var b = StratifiedHoldOut.Split(reversed, 0.2, 5).Validation.Select(i => reversed.Ids[i]).Order();

        Assert.Equal(a, b);
    }

    [Fact]
    public void Split_PerClassShare_RoundedAndEveryClassKeepsATrainingRow()
    {
        var data = Labels(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2);

        var (train, validation) = StratifiedHoldOut.Split(data, 0.3, 1);

        Assert.Equal(3, validation.Count(i => data.Labels[i] == 0));
        Assert.Contains(train, i => data.Labels[i] == 1);
        Assert.Contains(train, i => data.Labels[i] == 2);
        Assert.Equal(data.Count, train.Length + validation.Length);
    }

    [Fact]
    public void Split_RoundingLeavesNothing_LargestClassGivesOneRow()
    {
        var data = Labels(0, 0, 0, 1, 1);

        var (_, validation) = StratifiedHoldOut.Split(data, 0.1, 1);

        Assert.Single(validation);
        Assert.Equal(0, data.Labels[validation[0]]);
    }

    [Fact]
    public void Split_EveryClassSingle_Throws()
    {
        Assert.Throws<GraftException>(() => StratifiedHoldOut.Split(Labels(0, 1, 2), 0.1, 1));
    }
}

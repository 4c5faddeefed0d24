using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Tests.Training;

public sealed class EarlyStoppingTests
{
    private static (int StoppedAfter, int Best) Run(int patience, params double[] losses)
    {
        var early = new EarlyStopping(patience);
        for (var epoch = 1; epoch <= losses.Length; epoch++)
        {
            early.Update(epoch, losses[epoch - 1]);
            if (early.ShouldStop) return (epoch, early.BestEpoch);
        }
        return (0, early.BestEpoch);
    }

    [Fact]
    public void Update_BestAtEpoch5Patience3_StopsAfterEpoch8()
    {
        var (stopped, best) = Run(3, 1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.71, 0.70, 0.5, 0.4);

        Assert.Equal(5, best);
        Assert.Equal(8, stopped); // 6, 7, 8 did not improve: 0.70 equals the best and is no improvement (min_delta 0)
    }

    [Fact]
    public void Update_ImprovementWithinPatience_ResetsTheWait()
    {
        var (stopped, best) = Run(3, 1.0, 1.1, 1.2, 0.9, 1.0, 1.0, 1.0);

        Assert.Equal(4, best);
        Assert.Equal(7, stopped);
    }

    [Fact]
    public void Update_NeverWorse_NeverStops()
    {
        var (stopped, best) = Run(3, 5, 4, 3, 2, 1);

        Assert.Equal(0, stopped);
        Assert.Equal(5, best);
    }

    [Fact]
    public void Update_PatienceZero_StopsAtFirstNonImprovement()
    {
        var (stopped, best) = Run(0, 1.0, 0.9, 0.95);

        Assert.Equal(2, best);
        Assert.Equal(3, stopped);
    }

    [Fact]
    public void Update_NaNLoss_NeverImproves_FirstEpochKeptAsBest()
    {
        var early = new EarlyStopping(2);

        Assert.True(early.Update(1, double.NaN)); // Keras keeps the first weights even without a value
        Assert.False(early.Update(2, double.NaN));
        Assert.True(early.ShouldStop);
        Assert.Equal(1, early.BestEpoch);
    }
}

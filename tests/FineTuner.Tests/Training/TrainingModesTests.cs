using Graft.FineTuner.Tests.Fixtures;
using Graft.FineTuner.Training;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;

namespace Graft.FineTuner.Tests.Training;

public sealed class TrainingModesTests
{
    [Fact]
    public void Run_BoundaryCache_GivesTheSameEpochAsAFullForward()
    {
        using var run = new TinyRun();
        var options = TinyRun.Options(trainTop: 4, epochs: 2);
        var cached = run.Run(options, "cached");
        var full = run.Run(options with { UseBoundaryCache = false }, "full");
        Assert.True(cached.UsedBoundaryCache);
        Assert.False(full.UsedBoundaryCache);
        foreach (var (a, b) in cached.History.Zip(full.History))
        {
            Assert.Equal(a.Loss, b.Loss, 4);
            Assert.Equal(a.ValLoss, b.ValLoss, 4);
            Assert.Equal(a.Accuracy, b.Accuracy, 6);
        }
        var half = run.Run(options with { BoundaryDType = FeatureCache.Store.FeatureDType.Float16 }, "half");
        Assert.Contains(half.Log, l => l.Contains("float16 values per image", StringComparison.Ordinal));
        foreach (var (a, b) in cached.History.Zip(half.History)) Assert.Equal(a.Loss, b.Loss, 2);
        // A second run with the same cut point reuses every cached activation.
        var again = run.Run(options, "again");
        Assert.Contains(again.Log, l => l.Contains("0 computed now", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_AugmentSgdCosine_TrainsWithoutTheCache()
    {
        using var run = new TinyRun();
        var result = run.Run(TinyRun.Options(trainTop: 11, epochs: 2) with
        {
            Augment = AugmentPolicy.Standard,
            UseBoundaryCache = false,
            Optimizer = OptimizerKind.Sgd,
            Schedule = ScheduleKind.Cosine,
            WeightDecay = 1e-4,
        });
        Assert.False(result.UsedBoundaryCache);
        Assert.Equal(2, result.History.Count);
        Assert.True(result.History[1].LearningRate < result.History[0].LearningRate);
        Assert.All(result.History, r => Assert.True(double.IsFinite(r.Loss)));
    }

    [Fact]
    public void Run_Patience_StopsEarlyAndKeepsTheBestEpoch()
    {
        using var run = new TinyRun();
        // A rate this high makes validation loss rise after the first epochs.
        var result = run.Run(TinyRun.Options(trainTop: 7, epochs: 8) with { Patience = 1, LearningRate = 0.3 });
        var best = result.History.MinBy(r => r.ValLoss)!;
        // The starting weights (epoch 0) are a candidate too; they win when every epoch is worse.
        Assert.Equal(result.KeptStartingPoint ? 0 : best.Epoch, result.BestEpoch);
        if (result.StoppedEarly) Assert.Equal(result.BestEpoch + 1, result.History[^1].Epoch);
    }

    [Theory]
    [InlineData(ScheduleKind.Constant, 0, 1.0)]
    [InlineData(ScheduleKind.Cosine, 0, 1.0)]
    [InlineData(ScheduleKind.Cosine, 5, 0.5)]
    [InlineData(ScheduleKind.Step, 3, 0.1)]
    [InlineData(ScheduleKind.Step, 2, 1.0)]
    public void At_Schedules_ScaleTheBaseRate(ScheduleKind kind, int epochIndex, double factor) =>
        Assert.Equal(factor, LearningRateSchedule.At(kind, 1.0, epochIndex, 10 - (kind == ScheduleKind.Step ? 1 : 0)), 9);
}

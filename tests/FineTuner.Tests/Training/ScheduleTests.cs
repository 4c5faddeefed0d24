using Graft.FineTuner.Training;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Training;

public sealed class ScheduleTests
{
    [Fact]
    public void At_WarmupThenCosine_RampsLinearlyPeaksThenFallsToNearZero()
    {
        const int count = 100, warmup = 10;
        double Rate(int i) => LearningRateSchedule.At(ScheduleKind.Cosine, 1e-3, i, count, warmup);
        Assert.Equal(1e-4, Rate(0), 12);
        Assert.Equal(5e-4, Rate(4), 12);
        Assert.Equal(1e-3, Rate(10), 12);
        Assert.Equal(0.5e-3, Rate(55), 12);
        Assert.True(Rate(99) < 1e-5);
        for (var i = 11; i < count; i++) Assert.True(Rate(i) < Rate(i - 1));
    }

    [Fact]
    public void StepsPerEpoch_DropsALastBatchOfOne() =>
        Assert.Equal((3, 3, 4, 1), (EpochLoop.StepsPerEpoch(96, 32), EpochLoop.StepsPerEpoch(97, 32), EpochLoop.StepsPerEpoch(98, 32), EpochLoop.StepsPerEpoch(1, 32)));

    [Fact]
    public void Valley_LongestDescent_PicksTwoThirdsDownIt()
    {
        // Flat, then falling from step 10 to 40, then diverging.
        var losses = Enumerable.Range(0, 60).Select(i => i < 10 ? 2.0 : i <= 40 ? 2.0 - (i - 10) * 0.05 : 0.5 + (i - 40) * 0.3).ToArray();
        var index = LearningRateFinder.Valley(losses, losses.Length);
        Assert.InRange(index, 20, 30);
    }

    [Fact]
    public void Run_FindLr_WritesPlotAndCsvAndSuggestsARateInsideTheRange()
    {
        using var run = new TinyRun();
        var output = run.Output("lr");
        var found = LearningRateFinder.Run(new FineTuneInputs
        {
            Backbone = run.Backbone,
            Head = Fixtures.TinyBackbone.Head(),
            Items = run.Items,
            OutputDirectory = output,
        }, TinyRun.Options(trainTop: 4) with { BoundaryCacheDirectory = Path.Combine(run.Folder, "boundary") }, steps: 30);
        Assert.InRange(found.Rates.Count, 2, 30);
        Assert.Equal(1e-7, found.Rates[0], 15);
        Assert.InRange(found.Suggested, found.Rates[0], found.Rates[^1]);
        Assert.True(new FileInfo(found.PlotPath).Length > 5_000);
        Assert.Equal(found.Rates.Count + 1, File.ReadAllLines(found.CsvPath).Length);
        // Nothing is kept: no checkpoint, no written backbone.
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoint")));
    }

    [Fact]
    public void Run_FindLrWithoutTrainingImages_IsAUserError()
    {
        using var run = new TinyRun();
        var e = Assert.Throws<GraftException>(() => LearningRateFinder.Run(new FineTuneInputs
        {
            Backbone = run.Backbone,
            Head = Fixtures.TinyBackbone.Head(),
            Items = run.Items.Where(i => i.Split != FeatureCache.Datasets.Split.Train).ToList(),
            OutputDirectory = run.Output("lr"),
        }, TinyRun.Options(trainTop: 4)));
        Assert.Contains("--find-lr needs a training split", e.Message);
    }
}

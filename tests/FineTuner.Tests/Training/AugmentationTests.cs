using Graft.FeatureCache.Datasets;
using Graft.FineTuner.Tests.Fixtures;
using Graft.FineTuner.Training;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;

namespace Graft.FineTuner.Tests.Training;

public sealed class AugmentationTests
{
    [Fact]
    public void Run_AugmentViews_FillsKViewsOnceAndTrainsOnThem()
    {
        using var run = new TinyRun();
        var options = TinyRun.Options(trainTop: 4, epochs: 3) with { Augment = AugmentPolicy.Strong, AugmentViews = 3 };
        var result = run.Run(options, "views");
        Assert.True(result.UsedBoundaryCache);
        Assert.Equal(3, result.AugmentViews);
        var train = run.Items.Count(i => i.Split == Split.Train);
        Assert.Contains(result.Log, l => l.Contains($"3 cached views of each of {train} training images: {3 * train} to compute", StringComparison.Ordinal));
        // The plain view and three augmented views: four folders under the boundary root.
        var root = Path.Combine(run.Folder, "boundary");
        Assert.Equal(4, Directory.GetDirectories(root).Length);

        // A second run with the same seed reuses every view; another seed draws new ones.
        var again = run.Run(options, "again");
        Assert.Contains(again.Log, l => l.Contains(": 0 to compute", StringComparison.Ordinal));
        Assert.Equal(result.History.Select(r => r.Loss), again.History.Select(r => r.Loss));
        run.Run(options with { Seed = 18 }, "other-seed");
        Assert.Equal(7, Directory.GetDirectories(root).Length);
    }

    [Fact]
    public void Run_AugmentViews_TrainLossDiffersFromUnaugmentedAndValidationIsPlain()
    {
        using var run = new TinyRun();
        var plain = run.Run(TinyRun.Options(trainTop: 4, epochs: 1), "plain");
        var augmented = run.Run(TinyRun.Options(trainTop: 4, epochs: 1) with { Augment = AugmentPolicy.Strong, AugmentViews = 2 }, "augmented");
        Assert.NotEqual(plain.History[0].Loss, augmented.History[0].Loss);
        // Before any training step both evaluate the same plain activations with the same weights.
        Assert.Equal(plain.Before!.Loss, augmented.Before!.Loss, 6);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Run_KilledWithAugmentationThenRerun_EqualsUninterruptedRun(bool boundaryCache)
    {
        using var run = new TinyRun();
        var options = TinyRun.Options(trainTop: 7, epochs: 3) with { Augment = AugmentPolicy.Standard, AugmentViews = 2, UseBoundaryCache = boundaryCache };
        var straight = run.Run(options, "straight");
        using var kill = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Message?.StartsWith("epoch 2/", StringComparison.Ordinal) == true) kill.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => run.Run(options, "resumed", kill.Token, progress));
        var resumed = run.Run(options, "resumed");
        Assert.Contains(resumed.Log, l => l.StartsWith("resuming after epoch 2", StringComparison.Ordinal));
        Assert.Equal(straight.History.Select(r => (r.Loss, r.ValLoss)), resumed.History.Select(r => (r.Loss, r.ValLoss)));
        Assert.Equal(straight.WrittenBackbone.Sha256, resumed.WrittenBackbone.Sha256);
    }

    [Fact]
    public void Run_EpochsWorseThanTheStart_KeepsTheStartingPoint()
    {
        using var run = new TinyRun();
        // A rate this high wrecks the pretrained layers in the first steps.
        var result = run.Run(TinyRun.Options(trainTop: 7, epochs: 1) with
        {
            Patience = 1, LearningRate = 50, WarmupFraction = 0, Schedule = ScheduleKind.Constant,
        }, "wrecked");
        Assert.True(result.KeptStartingPoint, string.Join("\n", result.Log));
        Assert.Equal(0, result.BestEpoch);
        Assert.Contains(result.Log, l => l.StartsWith("kept the starting point", StringComparison.Ordinal));
        Assert.All(result.History, r => Assert.True(r.ValLoss > result.After!.Loss));
        Assert.Equal(result.Before!.Loss, result.After!.Loss, 6);
        Assert.Equal(result.Before.Probabilities, result.After.Probabilities);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(65)]
    public void Validate_AugmentViewsOutOfRange_Throws(int views)
    {
        var e = Assert.Throws<GraftException>(() => (TinyRun.Options() with { AugmentViews = views }).Validate());
        Assert.Contains("--augment-views", e.Message);
    }

    [Fact]
    public void Sample_SameSeed_SameDrawAndCropWithinBounds()
    {
        var augmentation = ImageAugmentation.For(AugmentPolicy.Strong)!;
        for (var seed = 0; seed < 200; seed++)
        {
            var a = augmentation.Sample(300, 200, new Random(seed));
            Assert.Equal(a, augmentation.Sample(300, 200, new Random(seed)));
            Assert.InRange(a.X + a.Width, 1, 300);
            Assert.InRange(a.Y + a.Height, 1, 200);
            Assert.InRange((double)a.Width * a.Height / (300 * 200), 0.35 - 0.02, 1.0);
            Assert.InRange(a.Brightness, 0.8f, 1.2f);
        }
    }

    [Fact]
    public void For_Policies_HaveTheDocumentedCropsAndOverrides()
    {
        Assert.Null(ImageAugmentation.For(AugmentPolicy.None));
        Assert.Equal(0.8, ImageAugmentation.For(AugmentPolicy.Light)!.MinAreaFraction);
        Assert.Equal(0.6, ImageAugmentation.For(AugmentPolicy.Standard)!.MinAreaFraction);
        Assert.Equal(0, ImageAugmentation.For(AugmentPolicy.Standard)!.ColorJitter);
        var custom = ImageAugmentation.For(AugmentPolicy.Standard, minAreaFraction: 0.3, colorJitter: 0.1)!;
        Assert.Equal((0.3, 0.1), (custom.MinAreaFraction, custom.ColorJitter));
    }
}

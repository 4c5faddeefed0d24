using Graft.Bench.FineTune;

namespace Graft.FineTuner.Tests.Bench;

public sealed class FineTuneBenchResultTests
{
    [Fact]
    public void ScaledTo_IsLinearInImages()
    {
        var r = new FineTuneBenchResult
        {
            Plan = "p", Device = "cpu", Images = 96, BatchSize = 32, CacheFillSeconds = 9.6, CachedEpochSeconds = 4.8,
            FullEpochSeconds = 19.2, CachedEpochCpuSeconds = 1, FullEpochCpuSeconds = 1, FullStepImagesPerSecond = 1,
            TopStepImagesPerSecond = 1, Threads = 2, AugmentedViewFillSeconds = 12,
        };

        var (full, cached, fill) = r.ScaledTo(1020);

        Assert.Equal(204.0, full, 9);
        Assert.Equal(51.0, cached, 9);
        Assert.Equal(102.0, fill, 9);
        // Five augmented epochs: full forward 5 × 19.2; cached: fill 9.6 + 5 views × 12 + 5 × 4.8.
        Assert.Equal((96.0, 93.6), r.AugmentedRun(5, 5));
        Assert.Equal([("Flowers-102 train", 1020), ("cassava train", 5656)], FineTuneBenchResult.ReferenceDatasets);
    }
}

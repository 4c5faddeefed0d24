using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;

namespace Graft.FeatureCache.Tests.Hostile;

/// <summary>
/// A full disk at every write point of a precompute into a new cache (marker, set.json, segment header, each block,
/// the manifest), through the <see cref="WriteFaults"/> seam: the failure is recognised as "disk full" (exit 3), no
/// temporary file is left, and the same call then completes with features bit-identical to a run never interrupted.
/// </summary>
public sealed class StoreWriteFaultTests : IDisposable
{
    private readonly StoreFixture _f = new();

    public void Dispose() => _f.Dispose();

    private PrecomputeSummary Precompute(string cache) =>
        FeaturePrecomputer.Run(StoreFixture.Dataset(22), _f.Backbone, FeatureStore.OpenOrCreate(cache), StoreFixture.Options());

    [Fact]
    public void Precompute_DiskFullAtEveryWritePoint_IsExit3_LeavesNoTempFile_AndResumesBitIdentical()
    {
        Graft.FeatureCache.Backbones.BackboneModelFile.Open(_f.Backbone); // the model's hash memo (GRAFT_HOME) is written once, before counting
        var count = new FailNthWrite(0);
        using (WriteFaults.Inject(count)) Precompute(_f.File("reference"));
        var reference = StoreFixture.ReadAll(FeatureStore.Open(_f.File("reference")));
        var points = count.Paths;
        // marker, set.json, the kept backbone descriptor, segment header, 6 blocks of ≤ 4 images, manifest
        Assert.Equal(1 + 1 + 1 + 1 + 6 + 1, points.Count);
        Assert.EndsWith("graft-cache.json", points[0]);
        Assert.EndsWith("set.json", points[1]);
        Assert.EndsWith("backbone.json", points[2]);
        Assert.EndsWith("manifest-0-of-1.json", points[^1]);

        for (var n = 1; n <= points.Count; n++)
        {
            var cache = _f.File($"cache{n}");
            var e = Record.Exception(() =>
            {
                using (WriteFaults.Inject(new FailNthWrite(n))) Precompute(cache);
            });
            Assert.NotNull(e);
            Assert.True(DiskFull.Is(e) || e is GraftException { Interrupted: true }, $"write {n} ({Path.GetFileName(points[n - 1])}): {e}");
            Assert.True(e is not GraftException g || g.Interrupted);
            Assert.Empty(StoreFixture.TempFiles(cache));

            Precompute(cache); // the same command, with room again
            StoreFixture.AssertSame(reference, StoreFixture.ReadAll(FeatureStore.Open(cache)));
            Assert.Empty(StoreFixture.TempFiles(cache));
        }
    }

    [Fact]
    public void AtomicFile_FailedWrite_RemovesItsTemporaryFileAndKeepsTheOldContent()
    {
        var path = _f.File("a.json");
        AtomicFile.WriteAllText(path, "old");
        using (WriteFaults.Inject(new FailNthWrite(1)))
            Assert.True(DiskFull.Is(Record.Exception(() => AtomicFile.WriteAllText(path, "new content"))));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(StoreFixture.TempFiles(_f.Path));
    }

    [Theory]
    [InlineData(28, true)]   // ENOSPC
    [InlineData(122, true)]  // EDQUOT (Linux)
    [InlineData(5, false)]   // EIO
    public void DiskFull_RecognisesErrnoInTheChain(int errno, bool full)
    {
        var io = new IOException("write failed", errno);
        Assert.Equal(full, DiskFull.Is(io));
        Assert.Equal(full, DiskFull.Is(new InvalidOperationException("saving the model failed", io)));
    }

    [Fact]
    public void SegmentWriter_DiskFullOnTheHeader_LeavesNoFile()
    {
        var set = FeatureStore.OpenOrCreate(_f.File("c")).GetOrCreate(Store.FeatureSegmentTests.Spec());
        using (WriteFaults.Inject(new FailNthWrite(1)))
            Assert.True(DiskFull.Is(Record.Exception(() => set.CreateWriter())));
        Assert.Empty(set.Segments);
    }
}

using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Datasets.Tests;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;
using Graft.FeatureCache.Tests.Backbones;
using Graft.FeatureCache.Tests.Fixtures;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Tests.Precompute;

/// <summary>The precompute loop over a hostile folder (tiny generated backbone): it finishes, computes each real image
/// once, skips non-regular files with their reason and reports the same content in two splits.</summary>
public sealed class HostileInputPrecomputeTests : IDisposable
{
    private readonly TempDir _dir = new("hostile");

    public void Dispose() => _dir.Dispose();

    private BackboneDescriptor Backbone() => OnnxBackboneTests.Tiny(TinyOnnx.Write(_dir.File("tiny.onnx"), size: 16));

    private static PrecomputeOptions Options => new() { BatchSize = 4, Device = ExecutionDevice.Cpu };

    private static byte[] Png(int seed) => NoisePng.Make(seed);

    private string Write(string relative, byte[] bytes)
    {
        var path = Path.Combine(_dir.Path, "data", relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Data(string relative = "") => Path.Combine(_dir.Path, "data", relative);

    [Fact]
    public void Run_FolderWithTwoLinkCyclesAFifoAndDevZero_EachRealImageOnceTheRestSkipped()
    {
        for (var i = 0; i < 3; i++)
        {
            Write($"ants/a{i}.png", Png(i));
            Write($"bees/b{i}.png", Png(10 + i));
        }
        File.CreateSymbolicLink(Data("ants/up"), "..");
        File.CreateSymbolicLink(Data("bees/up"), "..");
        HostileFileSystemTests.MakeFifo(Data("ants/x.jpg"));
        File.CreateSymbolicLink(Data("bees/zero.jpg"), "/dev/zero");
        var store = FeatureStore.OpenOrCreate(_dir.File("cache"));

        var summary = HostileFileSystemTests.Within(() => FeaturePrecomputer.Run(DatasetLoader.Load(Data()), Backbone(), store, Options));

        // Before: 123 listed per loop, bees labelled ants; two loops, the FIFO or /dev/zero never let the run end.
        Assert.Equal(8, summary.Total);
        Assert.Equal(6, summary.Computed);
        Assert.Equal(0, summary.Reused);
        Assert.Equal(["ants/x.jpg", "bees/zero.jpg"], summary.Skipped.Select(s => s.Path));
        Assert.All(summary.Skipped, s => Assert.StartsWith("NotARegularFile:", s.Reason));
        Assert.Equal(2, summary.DatasetWarnings.Count(w => w.Contains("cycle")));
        Assert.Empty(summary.SplitLeakage);
    }

    [Fact]
    public void Run_SameContentInThreeSplits_ReportedOnceWithAllItsIds()
    {
        var shared = Png(1);
        Write("train/ants/a.png", shared);
        Write("val/ants/a-copy.png", shared);
        Write("test/bees/a-again.png", shared);
        Write("train/bees/b.png", Png(2));
        Write("train/ants/b-dup.png", Png(2)); // a duplicate inside one split is not leakage
        Write("test/ants/c.png", Png(3));
        var store = FeatureStore.OpenOrCreate(_dir.File("cache"));

        var summary = FeaturePrecomputer.Run(DatasetLoader.Load(Data()), Backbone(), store, Options);

        var leak = Assert.Single(summary.SplitLeakage);
        Assert.Equal(["train", "validation", "test"], leak.Splits);
        Assert.Equal(["train/ants/a.png", "val/ants/a-copy.png", "test/bees/a-again.png"], leak.Ids);
        Assert.Equal(3, summary.Computed); // three contents, each computed once
        // The cache's manifest tells the same afterwards (graft features info).
        Assert.Equal(summary.SplitLeakage, SplitLeakage.Find(store.Select().LoadManifest().Items), new LeakComparer());
    }

    private sealed class LeakComparer : IEqualityComparer<SplitLeak>
    {
        public bool Equals(SplitLeak? a, SplitLeak? b) => a!.Sha256 == b!.Sha256 && a.Ids.SequenceEqual(b.Ids) && a.Splits.SequenceEqual(b.Splits);
        public int GetHashCode(SplitLeak l) => l.Sha256.GetHashCode();
    }
}

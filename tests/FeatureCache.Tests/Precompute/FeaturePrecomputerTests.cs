using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;
using Graft.FeatureCache.Tests.Backbones;
using Graft.FeatureCache.Tests.Fixtures;
using Graft.FeatureCache.Tests.Store;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Tests.Precompute;

/// <summary>The precompute loop on a tiny generated backbone and in-memory PNGs: fast, and every failure path.</summary>
public sealed class FeaturePrecomputerTests : IDisposable
{
    private readonly TempDir _dir = new("pre");

    public void Dispose() => _dir.Dispose();

    private BackboneDescriptor Backbone() => OnnxBackboneTests.Tiny(TinyOnnx.Write(_dir.File("tiny.onnx"), size: 16));

    private static byte[] Png(int seed, int size = 20)
    {
        var rng = new Random(seed);
        using var image = new Image<Rgb24>(size, size);
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                image[x, y] = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
        using var ms = new MemoryStream();
        image.SaveAsPng(ms);
        return ms.ToArray();
    }

    private static ImageDataset Dataset(int count, Func<int, Func<ImageData>>? read = null) => new("/mem", DatasetFormat.Folder, ["a", "b"],
        Enumerable.Range(0, count).Select(i => new DatasetItem($"img{i:000}.png", i % 2, i % 5 == 4 ? Split.Test : Split.Train,
            read?.Invoke(i) ?? (() => ImageData.Encoded(Png(i))))).ToList(), "test");

    private static PrecomputeOptions Options(int batch = 4) => new() { BatchSize = batch, Device = ExecutionDevice.Cpu };

    [Fact]
    public void Run_DiskFullMidRun_StopsWithExitCode3AndTheRerunCompletesTheRest()
    {
        var store = FeatureStore.OpenOrCreate(_dir.File("cache"));
        var dataset = Dataset(40);
        var recordBlock = 24 + 4 * (32 + 8 * 4);
        var full = Options() with { OpenSegment = p => new FullDiskStream(p, 48 + 3 * recordBlock + 10) };

        var e = Assert.Throws<GraftException>(() => FeaturePrecomputer.Run(dataset, Backbone(), store, full));

        Assert.True(e.Interrupted);
        Assert.Contains("Free disk space", e.Hint);
        var set = store.Select();
        var index = set.ScanIndex();
        Assert.Equal(12, index.Records); // three complete blocks survived; the partial fourth was cut off
        Assert.Equal(0, index.TornBytes);
        Assert.Empty(index.Damage);

        var rerun = FeaturePrecomputer.Run(dataset, Backbone(), store, Options());
        Assert.Equal(12, rerun.Reused);
        Assert.Equal(28, rerun.Computed);
        Assert.Equal(40, set.ReadSplits(set.LoadManifest()).Splits.Values.Sum(s => s.Count));
    }

    [Fact]
    public void Run_Cancelled_ReportsInterruptedWritesNoManifestAndResumes()
    {
        var store = FeatureStore.OpenOrCreate(_dir.File("cache"));
        using var cancel = new CancellationTokenSource();
        var reads = 0;
        var dataset = Dataset(60, i => () =>
        {
            if (Interlocked.Increment(ref reads) == 20) cancel.Cancel();
            return ImageData.Encoded(Png(i));
        });

        var summary = FeaturePrecomputer.Run(dataset, Backbone(), store, Options(), cancel: cancel.Token);

        Assert.True(summary.Interrupted);
        Assert.InRange(summary.Computed, 0, 59);
        var set = store.Select();
        Assert.Throws<GraftException>(() => set.LoadManifest());
        var resumed = FeaturePrecomputer.Run(Dataset(60), Backbone(), store, Options());
        Assert.False(resumed.Interrupted);
        Assert.Equal(summary.Computed, resumed.Reused);
        Assert.Equal(60 - summary.Computed, resumed.Computed);
    }

    [Fact]
    public void Run_SamePictureTwice_ComputesItOnceAndListsBoth()
    {
        var store = FeatureStore.OpenOrCreate(_dir.File("cache"));
        var dataset = Dataset(10, i => () => ImageData.Encoded(Png(i == 7 ? 3 : i)));

        var summary = FeaturePrecomputer.Run(dataset, Backbone(), store, Options());

        Assert.Equal(9, summary.Computed);
        Assert.Equal(1, summary.Reused);
        var set = store.Select();
        var manifest = set.LoadManifest();
        Assert.Equal(manifest.Items.Single(i => i.Id == "img003.png").Sha256, manifest.Items.Single(i => i.Id == "img007.png").Sha256);
        var train = set.ReadSplits(manifest).Splits[Split.Train];
        var row3 = Array.IndexOf(train.Ids, "img003.png");
        var row7 = Array.IndexOf(train.Ids, "img007.png");
        Assert.Equal(train.Row(row3).ToArray(), train.Row(row7).ToArray());
    }

    [Fact]
    public void Run_UnreadableAndDamagedItems_AreSkippedWithTheirReasons()
    {
        var store = FeatureStore.OpenOrCreate(_dir.File("cache"));
        var dataset = Dataset(8, i => i switch
        {
            2 => () => throw new FileNotFoundException("Could not find file '/mem/img002.png'."),
            5 => () => throw new InvalidDataException("TFRecord record 5 of file x: data CRC mismatch"),
            _ => () => ImageData.Encoded(Png(i)),
        });

        var summary = FeaturePrecomputer.Run(dataset, Backbone(), store, Options());

        Assert.Equal(6, summary.Computed);
        Assert.Equal(["img002.png", "img005.png"], summary.Skipped.Select(s => s.Path));
        Assert.All(summary.Skipped, s => Assert.StartsWith("Unreadable: ", s.Reason));
        Assert.Contains("CRC mismatch", summary.Skipped[1].Reason);
        var manifest = store.Select().LoadManifest();
        Assert.Equal(2, manifest.Items.Count(i => i.Sha256 is null && i.Skipped is not null));
    }

    [Fact]
    public void Run_WithProgress_ReportsTheFinalCounts()
    {
        var store = FeatureStore.OpenOrCreate(_dir.File("cache"));
        var reports = new List<PrecomputeProgress>();
        var progress = new SyncProgress(reports);

        var summary = FeaturePrecomputer.Run(Dataset(12), Backbone(), store, Options(), progress);

        var last = reports.Last();
        Assert.Equal(12, last.Total);
        Assert.Equal(12, last.Done);
        Assert.Equal(summary.Computed, last.Computed);
        Assert.StartsWith("device: CPU", last.Device);
    }

    [Fact]
    public void Run_RawPixelItems_HashByShapeAndCompute()
    {
        var store = FeatureStore.OpenOrCreate(_dir.File("cache"));
        var pixels = Enumerable.Range(0, 28 * 28).Select(i => (byte)(i % 251)).ToArray();
        var dataset = new ImageDataset("/idx", DatasetFormat.Idx, ["0"],
        [
            new DatasetItem("train#0", 0, Split.Train, () => ImageData.Raw(pixels, 28, 28, 1)),
            new DatasetItem("train#1", 0, Split.Train, () => ImageData.Raw(pixels, 14, 56, 1)),
        ], "idx");

        var summary = FeaturePrecomputer.Run(dataset, Backbone(), store, Options());

        Assert.Equal(2, summary.Computed); // same bytes, different shapes: two images
    }

    private sealed class SyncProgress(List<PrecomputeProgress> reports) : IProgress<PrecomputeProgress>
    {
        public void Report(PrecomputeProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }
}

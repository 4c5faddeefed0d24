using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;
using Graft.FeatureCache.Tests.Backbones;
using Graft.FeatureCache.Tests.Fixtures;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Tests.Hostile;

/// <summary>A tiny generated backbone and in-memory PNG datasets for the hostile-store tests.</summary>
internal sealed class StoreFixture : IDisposable
{
    private readonly TempDir _dir = new("hostile");
    private BackboneDescriptor? _backbone;

    public string Path => _dir.Path;

    public string File(string name) => _dir.File(name);

    public BackboneDescriptor Backbone => _backbone ??= OnnxBackboneTests.Tiny(TinyOnnx.Write(_dir.File("tiny.onnx"), size: 16));

    public static byte[] Png(int seed, int size = 20)
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

    /// <summary><paramref name="count"/> images, two classes; every 5th is validation, every 7th test (seed offsets
    /// the content so two datasets differ).</summary>
    public static ImageDataset Dataset(int count, int seed = 0, Func<int, Func<ImageData>>? read = null, string root = "/mem") =>
        new(root, DatasetFormat.Folder, ["a", "b"],
            Enumerable.Range(0, count).Select(i => new DatasetItem($"img{i:000}.png", i % 2,
                i % 7 == 6 ? Split.Test : i % 5 == 4 ? Split.Validation : Split.Train,
                read?.Invoke(i) ?? (() => ImageData.Encoded(Png(i + seed))))).ToList(), "test");

    public static PrecomputeOptions Options(int batch = 4) => new() { BatchSize = batch, Device = ExecutionDevice.Cpu, DecodeWorkers = 2, Threads = 1 };

    /// <summary>Every split's features, ids and labels, for bit-for-bit comparisons.</summary>
    public static (string[] Ids, int[] Labels, float[] Features)[] ReadAll(FeatureStore store)
    {
        var set = store.Select();
        var read = set.ReadSplits(set.LoadManifest());
        Assert.Empty(read.Missing);
        return read.Splits.OrderBy(p => p.Key).Select(p => (p.Value.Ids, p.Value.Labels, p.Value.Features)).ToArray();
    }

    public static void AssertSame((string[] Ids, int[] Labels, float[] Features)[] expected, (string[] Ids, int[] Labels, float[] Features)[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Ids, actual[i].Ids);
            Assert.Equal(expected[i].Labels, actual[i].Labels);
            Assert.True(expected[i].Features.AsSpan().SequenceEqual(actual[i].Features), $"split {i}: features differ");
        }
    }

    /// <summary>Temporary files anywhere under <paramref name="root"/>.</summary>
    public static string[] TempFiles(string root) => Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories);

    public void Dispose() => _dir.Dispose();
}

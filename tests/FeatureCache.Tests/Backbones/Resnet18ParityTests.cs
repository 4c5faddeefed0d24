using Graft.Bench;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Store;
using Graft.FeatureCache.Tests.Fixtures;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Graft.FeatureCache.Tests.Backbones;

/// <summary>The default backbone against the model's own preprocessing graph and ML.NET's DnnFeaturizeImage, on real
/// photos from the shared hymenoptera set.</summary>
public sealed class Resnet18ParityTests : IDisposable
{
    private readonly TempDir _dir = new("r18");

    public void Dispose() => _dir.Dispose();

    private static BackboneDescriptor Resnet18 => BackboneCatalog.Default().Resolve("resnet18");

    /// <summary>A few real photos, pre-resized to 224×224 PNG (lossless), so both paths see identical pixels.</summary>
    private List<string> Photos224(int count)
    {
        var sources = Directory.GetFiles(Path.Combine(Repo.Hymenoptera, "train", "bees"), "*.jpg").Order(StringComparer.Ordinal).Take(count);
        var paths = new List<string>();
        foreach (var src in sources)
        {
            using var image = Image.Load<Rgb24>(src);
            image.Mutate(x => x.Resize(224, 224));
            var dst = _dir.File(Path.GetFileNameWithoutExtension(src) + ".png");
            image.SaveAsPng(dst);
            paths.Add(dst);
        }
        return paths;
    }

    [Fact]
    public void Preprocessor_EqualsResNetPreprocessOnnx()
    {
        var d = Resnet18;
        var meanImage = MeanImageLoader.Load(d.Preprocess, Path.GetDirectoryName(d.DescriptorPath));
        var preprocessor = new Preprocessor(d.Preprocess, meanImage);
        using var image = new Image<Rgb24>(224, 224);
        var rng = new Random(3);
        var planar = new float[3 * 224 * 224];
        for (var y = 0; y < 224; y++)
            for (var x = 0; x < 224; x++)
            {
                var p = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
                image[x, y] = p;
                planar[y * 224 + x] = p.R; // ML.NET's ExtractPixels: planar RGB, 0..255
                planar[224 * 224 + y * 224 + x] = p.G;
                planar[2 * 224 * 224 + y * 224 + x] = p.B;
            }
        var ours = new float[3 * 224 * 224];
        preprocessor.Apply(image, ours);

        var prep = ModelFileLocator.Locate(d.Preprocess.MeanImage!.File, null);
        using var session = new InferenceSession(prep);
        using var input = OrtValue.CreateTensorValueFromMemory(planar, [1, 3, 224, 224]);
        using var result = session.Run(new RunOptions(), ["OriginalInput"], [input], ["PreprocessedInput"]);
        var theirs = result[0].GetTensorDataAsSpan<float>().ToArray();

        Assert.Equal(theirs.Length, ours.Length);
        var maxDiff = theirs.Zip(ours, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxDiff <= 1e-4f, $"max |diff| {maxDiff}");
        Assert.True(theirs.Max() > 50 && theirs.Min() < -50); // the mean image was really subtracted
    }

    [Fact]
    public void Features_EqualMlNetDnnFeaturizeImage_OnTheSamePixels()
    {
        var photos = Photos224(4);
        var dataset = new ImageDataset(_dir.Path, DatasetFormat.Folder, ["bees"],
            photos.Select(p => new DatasetItem(Path.GetFileName(p), 0, Split.Train, () => ImageData.Encoded(File.ReadAllBytes(p)))).ToList(), "test");

        var ours = Precompute(dataset, 4);
        var theirs = MlNetFeaturizer.Featurize(photos);

        for (var i = 0; i < photos.Count; i++)
        {
            var mine = ours[Path.GetFileName(photos[i])];
            var scale = theirs[i].Max(Math.Abs);
            var maxDiff = mine.Zip(theirs[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(maxDiff <= 1e-4f * Math.Max(1, scale), $"{photos[i]}: max |diff| {maxDiff} (scale {scale})");
        }
    }

    [Fact]
    public void Features_Batch1AndBatch16_AreIdentical()
    {
        var files = Directory.GetFiles(Path.Combine(Repo.Hymenoptera, "val", "ants"), "*.jpg").Order(StringComparer.Ordinal).Take(16).ToList();
        var dataset = new ImageDataset(_dir.Path, DatasetFormat.Folder, ["ants"],
            files.Select(p => new DatasetItem(Path.GetFileName(p), 0, Split.Train, () => ImageData.Encoded(File.ReadAllBytes(p)))).ToList(), "test");

        var one = Precompute(dataset, 1);
        var sixteen = Precompute(dataset, 16);

        Assert.Equal(16, one.Count);
        foreach (var (id, a) in one)
        {
            var maxDiff = a.Zip(sixteen[id], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(maxDiff <= 1e-5f, $"{id}: max |diff| {maxDiff}");
        }
    }

    private Dictionary<string, float[]> Precompute(ImageDataset dataset, int batchSize)
    {
        var store = FeatureStore.OpenOrCreate(_dir.File($"cache-{batchSize}-{Guid.NewGuid():N}"));
        var summary = FeaturePrecomputer.Run(dataset, Resnet18, store, new PrecomputeOptions { BatchSize = batchSize, Device = ExecutionDevice.Cpu });
        Assert.Equal(dataset.Items.Count, summary.Computed);
        var set = store.Select();
        var train = set.ReadSplits(set.LoadManifest()).Splits[Split.Train];
        return Enumerable.Range(0, train.Count).ToDictionary(i => train.Ids[i], i => train.Row(i).ToArray());
    }
}

namespace Graft.FeatureCache.Datasets.Tests;

/// <summary>The repository's own data/fashion-mnist-mini, read through the CSV layout (real quoting, real PNGs).</summary>
public sealed class EmbeddedDatasetTests
{
    [Fact]
    public void Load_EmbeddedFashionMnistManifest_SplitsAndClassesAsDocumented()
    {
        var manifest = Path.Combine(RepositoryRoot(), "data", "fashion-mnist-mini", "manifest.csv");

        var ds = DatasetLoader.Load(manifest);

        Assert.Equal(DatasetFormat.Csv, ds.Format);
        Assert.Equal(["Ankle boot", "Bag", "Coat", "Dress", "Pullover", "Sandal", "Shirt", "Sneaker", "T-shirt/top", "Trouser"], ds.ClassNames);
        Assert.Equal((1500, 300, 500), (ds.Count(Split.Train), ds.Count(Split.Validation), ds.Count(Split.Test)));
        Assert.All(ds.Items.Where(i => i.Split == Split.Train).GroupBy(i => i.Label), g => Assert.Equal(150, g.Count()));
        Assert.Equal("split column of the CSV", ds.SplitSource);
        var png = ds.Items[0].Read().Bytes;
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Graft.sln"))) return dir.FullName;
        throw new InvalidOperationException("Graft.sln not found above the test binaries.");
    }
}

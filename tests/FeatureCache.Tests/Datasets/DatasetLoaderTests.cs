namespace Graft.FeatureCache.Datasets.Tests;

public sealed class DatasetLoaderTests
{
    [Fact]
    public void Load_MissingPath_ThrowsNamingPath()
    {
        var path = Path.Combine(Path.GetTempPath(), "graft-no-such-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(path));
        Assert.Equal($"Dataset path '{path}' does not exist.", e.Message);
        Assert.NotNull(e.Hint);
    }

    [Fact]
    public void Load_EmptyFolder_ThrowsListingLayoutsAndFormatFlag()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path));
        foreach (var layout in new[] { "folder per class", "CSV manifest", "IDX", "TFDS" })
            Assert.Contains(layout, e.Message);
        Assert.Contains("--format", e.Hint);
    }

    [Fact]
    public void Load_EmptyFolderAsFolderFormat_ThrowsNoImages()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["cats"]);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path, new DatasetOptions { Format = DatasetFormat.Folder }));
        Assert.Equal($"Dataset '{dir.Path}' holds no images.", e.Message);
    }

    [Fact]
    public void Load_EachLayout_DetectedAutomatically()
    {
        using var dir = new TempDir();
        dir.Write("folder/cats/1.jpg", [0]);
        var csv = dir.WriteText("manifest/list.csv", "path,label\n1.jpg,cat\n");
        IdxTestFiles.WriteSet(dir["idx"], "t10k", [1, 2], 2, 2, gzip: true);
        var tfds = new TfdsTestFolder { DataDir = dir["tfds"], Splits = new Dictionary<string, int[]> { ["train"] = [0] }, ShardsPerSplit = 1 }.Create();

        Assert.Equal(DatasetFormat.Folder, DatasetLoader.Load(dir["folder"]).Format);
        Assert.Equal(DatasetFormat.Csv, DatasetLoader.Load(csv).Format);
        Assert.Equal(DatasetFormat.Idx, DatasetLoader.Load(dir["idx"]).Format);
        Assert.Equal(DatasetFormat.Tfds, DatasetLoader.Load(tfds.DataDir).Format);
        Assert.Equal(DatasetFormat.Tfds, DatasetLoader.Load(Path.Combine(tfds.VersionDir, tfds.ShardName("train", 0))).Format);
    }

    [Fact]
    public void Load_FormatOverride_WinsOverDetection()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteSet(dir["data"], "train", [0, 1], 2, 2, gzip: false);
        dir.Write("data/sub/cats/1.png", [0]);   // also looks like a folder dataset one level down
        Assert.Equal(DatasetFormat.Idx, DatasetLoader.Load(dir["data"]).Format);
        var ds = DatasetLoader.Load(dir["data"], new DatasetOptions { Format = DatasetFormat.Folder });
        Assert.Equal((DatasetFormat.Folder, "sub"), (ds.Format, ds.ClassNames.Single()));
    }

    [Fact]
    public void Load_CsvFormatOnFolder_ThrowsGraftException()
    {
        using var dir = new TempDir();
        dir.Write("cats/1.jpg", [0]);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path, new DatasetOptions { Format = DatasetFormat.Csv }));
        Assert.Contains("needs a manifest file", e.Message);
    }

    [Fact]
    public void Load_UnrecognisedFile_ThrowsListingLayouts()
    {
        using var dir = new TempDir();
        var zip = dir.Write("data.zip", [1, 2, 3]);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(zip));
        Assert.Contains("Cannot tell the dataset layout", e.Message);
    }

    [Theory]
    [InlineData(-0.1, 0.5, 0.6)]
    [InlineData(0, 0, 0)]
    [InlineData(double.NaN, 0.1, 0.1)]
    public void Load_BadSplitRatios_ThrowsGraftException(double train, double validation, double test)
    {
        using var dir = new TempDir();
        dir.Write("cats/1.jpg", [0]);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path, new DatasetOptions { SplitRatios = new SplitRatios(train, validation, test) }));
        Assert.StartsWith("Bad split ratios", e.Message);
    }

    [Fact]
    public void Load_UndefinedFormatValue_ThrowsGraftException()
    {
        using var dir = new TempDir();
        dir.Write("cats/1.jpg", [0]);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path, new DatasetOptions { Format = (DatasetFormat)42 }));
        Assert.Contains("Unknown dataset format", e.Message);
    }

    [Fact]
    public void Load_NoSplitsSelected_ThrowsGraftException()
    {
        using var dir = new TempDir();
        dir.Write("cats/1.jpg", [0]);
        Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path, new DatasetOptions { Splits = [] }));
    }

    [Fact]
    public void Load_SelectedSplitEmpty_ThrowsNamingSplit()
    {
        using var dir = new TempDir();
        dir.Write("train/cats/1.jpg", [0]);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path, new DatasetOptions { Splits = [Split.Test] }));
        Assert.Contains("in the split(s) test", e.Message);
    }
}

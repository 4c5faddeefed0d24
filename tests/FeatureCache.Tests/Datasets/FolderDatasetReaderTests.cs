namespace Graft.FeatureCache.Datasets.Tests;

public sealed class FolderDatasetReaderTests
{
    [Fact]
    public void Load_EmptyClassFolder_IsNoClassAndSaysSo_WhileAClassEmptyInOneSplitStays()
    {
        using var dir = new TempDir();
        dir.Write("train/cats/c1.png", TestImages.Png(1));
        dir.Write("train/dogs/d1.png", TestImages.Png(2));
        dir.Write("val/dogs/d2.png", TestImages.Png(3));
        Directory.CreateDirectory(dir["val/cats"]);   // empty here, a class through train
        Directory.CreateDirectory(dir["train/empty"]); // empty everywhere

        var ds = DatasetLoader.Load(dir.Path);

        Assert.Equal(["cats", "dogs"], ds.ClassNames);
        Assert.Equal(["folder 'empty' holds no images: it is not a class"], ds.Warnings);
    }

    [Fact]
    public void Load_SplitFoldersWithValAlias_KeepsFolderSplitsAndUnionOfClasses()
    {
        using var dir = new TempDir();
        dir.Write("train/dogs/d1.jpg", TestImages.Jpeg(1));
        dir.Write("train/cats/c1.png", TestImages.Png(2));
        dir.Write("train/cats/c2.PNG", TestImages.Png(3));
        dir.Write("VAL/cats/c3.jpeg", TestImages.Jpeg(4));
        dir.Write("test/zebras/z1.jpg", TestImages.Jpeg(5));   // a class only in test
        dir.Write("test/dogs/d2.webp", [1, 2, 3]);

        var ds = DatasetLoader.Load(dir.Path);

        Assert.Equal(DatasetFormat.Folder, ds.Format);
        Assert.Equal(["cats", "dogs", "zebras"], ds.ClassNames);
        Assert.Equal((3, 1, 2), (ds.Count(Split.Train), ds.Count(Split.Validation), ds.Count(Split.Test)));
        Assert.Equal(["train/cats/c1.png", "train/cats/c2.PNG", "train/dogs/d1.jpg", "VAL/cats/c3.jpeg", "test/dogs/d2.webp", "test/zebras/z1.jpg"],
            ds.Items.Select(i => i.Id));
        Assert.Equal([0, 0, 1, 0, 1, 2], ds.Items.Select(i => i.Label));
        Assert.StartsWith("split folders", ds.SplitSource);
        Assert.Equal(TestImages.Jpeg(5), ds.Items[^1].Read().Bytes);
    }

    [Fact]
    public void Load_NoSplitFolders_StratifiesEachClassExactly()
    {
        using var dir = new TempDir();
        WriteClasses(dir, ("a", 10), ("b", 20), ("c", 1));

        var ds = DatasetLoader.Load(dir.Path);

        int Count(string cls, Split split) => ds.Items.Count(i => ds.ClassNames[i.Label] == cls && i.Split == split);
        Assert.Equal((8, 1, 1), (Count("a", Split.Train), Count("a", Split.Validation), Count("a", Split.Test)));
        Assert.Equal((16, 2, 2), (Count("b", Split.Train), Count("b", Split.Validation), Count("b", Split.Test)));
        Assert.Equal((1, 0, 0), (Count("c", Split.Train), Count("c", Split.Validation), Count("c", Split.Test)));
        Assert.Equal("stratified 0.8,0.1,0.1 with seed 42", ds.SplitSource);
    }

    [Fact]
    public void Load_SameSeedTwice_SameSplit()
    {
        using var dir = new TempDir();
        WriteClasses(dir, ("a", 15), ("b", 12));
        var first = DatasetLoader.Load(dir.Path, new DatasetOptions { Seed = 3 });
        var second = DatasetLoader.Load(dir.Path, new DatasetOptions { Seed = 3 });
        Assert.Equal(first.Items.Select(i => (i.Id, i.Split)), second.Items.Select(i => (i.Id, i.Split)));
    }

    [Fact]
    public void Load_DifferentSeed_DifferentSplitSameCounts()
    {
        using var dir = new TempDir();
        WriteClasses(dir, ("a", 30), ("b", 30));
        var first = DatasetLoader.Load(dir.Path, new DatasetOptions { Seed = 1 });
        var second = DatasetLoader.Load(dir.Path, new DatasetOptions { Seed = 2 });
        Assert.NotEqual(first.Items.Select(i => (i.Id, i.Split)).Order(), second.Items.Select(i => (i.Id, i.Split)).Order());
        Assert.Equal([48, 6, 6], new[] { Split.Train, Split.Validation, Split.Test }.Select(second.Count));
        Assert.Equal("stratified 0.8,0.1,0.1 with seed 2", second.SplitSource);
    }

    [Fact]
    public void Load_CustomRatios_EveryClassInTrain()
    {
        using var dir = new TempDir();
        WriteClasses(dir, ("a", 2), ("b", 3), ("c", 1));
        var ds = DatasetLoader.Load(dir.Path, new DatasetOptions { SplitRatios = SplitRatios.Parse("20,40,40") });
        Assert.All(Enumerable.Range(0, 3), label => Assert.Contains(ds.Items, i => i.Label == label && i.Split == Split.Train));
        Assert.Equal("stratified 0.2,0.4,0.4 with seed 42", ds.SplitSource);
    }

    [Fact]
    public void Load_HiddenAndNonImageFiles_OnlyImagesListed()
    {
        using var dir = new TempDir();
        dir.Write("train/ants/a.jpg", TestImages.Jpeg(1));
        dir.Write("train/ants/B.TIFF", [0]);
        dir.Write("train/ants/nested/deep.tga", [0]);
        dir.Write("train/ants/.hidden.jpg", [0]);
        dir.Write("train/ants/.cache/x.jpg", [0]);
        dir.Write("train/ants/notes.txt", [0]);
        dir.Write("train/.ipynb_checkpoints/y.jpg", [0]);
        dir.Write("train/readme.jpg", [0]);                 // not in a class folder
        dir.WriteText("train/bees/fake.jpg", "not an image"); // listed: the decoder rejects it later

        var ds = DatasetLoader.Load(dir.Path);

        Assert.Equal(["ants", "bees"], ds.ClassNames);
        Assert.Equal(["train/ants/B.TIFF", "train/ants/a.jpg", "train/ants/nested/deep.tga", "train/bees/fake.jpg"], ds.Items.Select(i => i.Id));
        Assert.Equal("not an image"u8.ToArray(), ds.Items[3].Read().Bytes);
    }

    [Fact]
    public void Load_SplitAndClassFoldersMixed_ThrowsGraftException()
    {
        using var dir = new TempDir();
        dir.Write("train/cats/1.jpg", [0]);
        dir.Write("dogs/2.jpg", [0]);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("mixes split folders (train) with class folders (dogs)", e.Message);
    }

    [Fact]
    public void Load_DeletedFileAfterListing_ReadThrowsIOException()
    {
        using var dir = new TempDir();
        var path = dir.Write("cats/1.jpg", [0]);
        var ds = DatasetLoader.Load(dir.Path);
        File.Delete(path);
        Assert.ThrowsAny<IOException>(() => ds.Items[0].Read());
    }

    private static void WriteClasses(TempDir dir, params (string Name, int Count)[] classes)
    {
        foreach (var (name, count) in classes)
            for (var i = 0; i < count; i++)
                dir.Write($"{name}/{name}_{i:D3}.png", [(byte)i]);
    }
}

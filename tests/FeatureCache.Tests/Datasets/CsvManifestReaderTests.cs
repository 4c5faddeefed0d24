namespace Graft.FeatureCache.Datasets.Tests;

public sealed class CsvManifestReaderTests
{
    [Fact]
    public void Load_QuotedClassNamesAndSplitColumn_ParsesNamesAndSplits()
    {
        using var dir = new TempDir();
        dir.Write("img/1.png", TestImages.Png(1));
        var csv = dir.WriteText("manifest.csv",
            "path,label,split\n" +
            "img/1.png,T-shirt/top,train\n" +
            "img/2.png,\"Pepper, bell (red)\",train\n" +
            "img/3.png,\"The \"\"best\"\" (42)\",VAL\n" +
            "\n" +
            "img/4.png,\"Pepper, bell (red)\",test\n");

        var ds = DatasetLoader.Load(csv);

        Assert.Equal(DatasetFormat.Csv, ds.Format);
        Assert.Equal(["Pepper, bell (red)", "T-shirt/top", "The \"best\" (42)"], ds.ClassNames);
        Assert.Equal([("img/2.png", 0, Split.Train), ("img/1.png", 1, Split.Train), ("img/3.png", 2, Split.Validation), ("img/4.png", 0, Split.Test)],
            ds.Items.Select(i => (i.Id, i.Label, i.Split)));
        Assert.Equal("split column of the CSV", ds.SplitSource);
        Assert.Equal(csv, ds.Root);
        Assert.Equal(TestImages.Png(1), ds.Items[1].Read().Bytes);
    }

    [Fact]
    public void Load_NoHeader_FirstRowIsData()
    {
        using var dir = new TempDir();
        var csv = dir.WriteText("list.csv", "a.jpg,cat,train\nb.jpg,dog,test\n");
        var ds = DatasetLoader.Load(csv);
        Assert.Equal(["cat", "dog"], ds.ClassNames);
        Assert.Equal(["a.jpg", "b.jpg"], ds.Items.Select(i => i.Id));
    }

    [Fact]
    public void Load_Utf8BomAndCrlf_HeaderStillDetected()
    {
        using var dir = new TempDir();
        var csv = dir.Write("excel.csv", [0xEF, 0xBB, 0xBF, .. "Path,Label\r\na.jpg,Käfer\r\n"u8]);
        var item = Assert.Single(DatasetLoader.Load(csv).Items);
        Assert.Equal("a.jpg", item.Id);
        Assert.Equal(["Käfer"], DatasetLoader.Load(csv).ClassNames);
    }

    [Fact]
    public void Load_HeaderNamesColumnsInOtherOrder_UsesNames()
    {
        using var dir = new TempDir();
        var csv = dir.WriteText("list.csv", "Filename,Split,Class\na.jpg,val,cat\n");
        var item = Assert.Single(DatasetLoader.Load(csv).Items);
        Assert.Equal(("a.jpg", Split.Validation), (item.Id, item.Split));
    }

    [Fact]
    public void Load_AbsolutePathOutsideCsvFolder_ReadsThatFile()
    {
        using var images = new TempDir();
        using var manifests = new TempDir();
        var image = images.Write("x/picture.png", TestImages.Png(9));
        var csv = manifests.WriteText("m.csv", $"image,label,split\n\"{image}\",cat,train\n");

        var item = Assert.Single(DatasetLoader.Load(csv).Items);

        Assert.Equal(image.Replace('\\', '/'), item.Id);
        Assert.Equal(TestImages.Png(9), item.Read().Bytes);
    }

    [Fact]
    public void Load_NoSplitColumn_StratifiedSplit()
    {
        using var dir = new TempDir();
        var rows = Enumerable.Range(0, 20).Select(i => $"img{i:D2}.png,{(i % 2 == 0 ? "even" : "odd")}");
        var csv = dir.WriteText("m.csv", "path,label\n" + string.Join("\n", rows));

        var ds = DatasetLoader.Load(csv, new DatasetOptions { Seed = 5 });

        Assert.Equal([16, 2, 2], new[] { Split.Train, Split.Validation, Split.Test }.Select(ds.Count));
        Assert.Equal(8, ds.Items.Count(i => i.Label == 0 && i.Split == Split.Train));
        Assert.Equal("stratified 0.8,0.1,0.1 with seed 5", ds.SplitSource);
    }

    [Fact]
    public void Load_UnknownSplitValue_ThrowsNamingLine()
    {
        using var dir = new TempDir();
        var csv = dir.WriteText("m.csv", "path,label,split\na.jpg,cat,train\nb.jpg,cat,holdout\n");
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(csv));
        Assert.Contains("'holdout'", e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.NotNull(e.Hint);
    }

    [Fact]
    public void Load_MissingImageFile_ListedAndReadThrowsFileNotFound()
    {
        using var dir = new TempDir();
        var csv = dir.WriteText("m.csv", "path,label,split\nmissing.jpg,cat,train\n");
        var item = Assert.Single(DatasetLoader.Load(csv).Items);
        Assert.Throws<FileNotFoundException>(() => item.Read());
    }

    [Fact]
    public void Load_UnclosedQuote_ThrowsGraftExceptionWithLine()
    {
        using var dir = new TempDir();
        var csv = dir.WriteText("m.csv", "path,label\na.jpg,cat\nb.jpg,\"dog\n");
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(csv));
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void Load_RowWithoutLabel_ThrowsNamingLine()
    {
        using var dir = new TempDir();
        var csv = dir.WriteText("m.csv", "a.jpg,cat\nb.jpg\n");
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(csv));
        Assert.Equal($"Line 2 of '{csv}' has no label.", e.Message);
    }

    [Fact]
    public void Load_SameImageTwice_ThrowsNamingBothLines()
    {
        using var dir = new TempDir();
        var csv = dir.WriteText("m.csv", "path,label\na.jpg,cat\n./a.jpg,dog\n");
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(csv));
        Assert.Contains("lines 2 and 3", e.Message);
    }
}

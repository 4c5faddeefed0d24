namespace Graft.FeatureCache.Datasets.Tests;

public sealed class IdxDatasetReaderTests
{
    private static readonly byte[] TrainLabels = [3, 1, 4, 1, 5, 9];
    private static readonly byte[] TestLabels = [2, 7, 1];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_IdxFolder_CountsLabelsAndRawPixels(bool gzip)
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteSet(dir.Path, "train", TrainLabels, width: 5, height: 4, gzip);
        IdxTestFiles.WriteSet(dir.Path, "t10k", TestLabels, width: 5, height: 4, gzip: !gzip);

        var ds = DatasetLoader.Load(dir.Path);

        Assert.Equal(DatasetFormat.Idx, ds.Format);
        Assert.Equal((6, 0, 3), (ds.Count(Split.Train), ds.Count(Split.Validation), ds.Count(Split.Test)));
        Assert.Equal(Enumerable.Range(0, 10).Select(d => d.ToString()), ds.ClassNames);
        Assert.Contains("no validation split", ds.SplitSource);
        var name = gzip ? "train-images-idx3-ubyte.gz" : "train-images-idx3-ubyte";
        var item3 = ds.Items.Single(i => i.Id == $"{name}#3");
        Assert.Equal((1, Split.Train), (item3.Label, item3.Split));
        var data = item3.Read();
        Assert.Equal((5, 4, 1), (data.Width, data.Height, data.Channels));
        Assert.Equal(IdxTestFiles.Pixels(3, 5, 4), data.Bytes);
        Assert.Equal(TestLabels.Order().Select(l => (int)l), ds.Items.Where(i => i.Split == Split.Test).Select(i => i.Label));
    }

    [Fact]
    public void Load_PathOfImagesFile_ReadsWholeFolder()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteSet(dir.Path, "train", TrainLabels, 2, 2, gzip: true);
        IdxTestFiles.WriteSet(dir.Path, "t10k", TestLabels, 2, 2, gzip: true);
        var ds = DatasetLoader.Load(dir["t10k-images-idx3-ubyte.gz"]);
        Assert.Equal(9, ds.Items.Count);
        Assert.Equal(dir.Path, ds.Root);
    }

    [Fact]
    public void Load_FashionInFolderName_FashionClassNames()
    {
        using var dir = new TempDir();
        var folder = dir["fashion-mnist"];
        IdxTestFiles.WriteSet(folder, "t10k", TestLabels, 28, 28, gzip: true);
        var ds = DatasetLoader.Load(folder);
        Assert.Equal("T-shirt/top", ds.ClassNames[0]);
        Assert.Equal("Ankle boot", ds.ClassNames[9]);
        Assert.Equal(28 * 28, ds.Items[0].Read().Bytes.Length);
    }

    [Fact]
    public void Load_LabelsTxtBesideFiles_OverridesNames()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteSet(dir.Path, "train", [0, 1, 2, 1], 3, 3, gzip: false);
        dir.WriteText("labels.txt", "zero\none\ntwo\n\n");
        var ds = DatasetLoader.Load(dir.Path);
        Assert.Equal(["zero", "one", "two"], ds.ClassNames);
    }

    [Fact]
    public void Load_LabelBeyondNames_ThrowsGraftException()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteSet(dir.Path, "train", [0, 3], 3, 3, gzip: false);
        dir.WriteText("labels.txt", "zero\none\n");
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("label 3", e.Message);
    }

    [Fact]
    public void Load_BadMagic_ThrowsGraftExceptionNamingFile()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteSet(dir.Path, "train", TrainLabels, 2, 2, gzip: false);
        IdxTestFiles.Write(dir["train-images-idx3-ubyte"], 0x00000801, [6], TrainLabels, gzip: false);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Contains("0x00000801", e.Message);
    }

    [Fact]
    public void Load_CountMismatch_ThrowsGraftException()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteSet(dir.Path, "train", TrainLabels, 2, 2, gzip: false);
        IdxTestFiles.Write(dir["train-labels-idx1-ubyte"], 0x00000801, [2], [1, 2], gzip: false);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("6 images but train-labels-idx1-ubyte holds 2 labels", e.Message);
    }

    [Fact]
    public void Load_LabelsFileMissing_ThrowsGraftException()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteSet(dir.Path, "train", TrainLabels, 2, 2, gzip: false);
        File.Delete(dir["train-labels-idx1-ubyte"]);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("not its labels file", e.Message);
    }

    [Fact]
    public void Load_SplitsOptionTestOnly_ListsTestOnly()
    {
        using var dir = new TempDir();
        IdxTestFiles.WriteSet(dir.Path, "train", TrainLabels, 2, 2, gzip: false);
        IdxTestFiles.WriteSet(dir.Path, "t10k", TestLabels, 2, 2, gzip: false);
        var ds = DatasetLoader.Load(dir.Path, new DatasetOptions { Splits = [Split.Test] });
        Assert.Equal(3, ds.Items.Count);
        Assert.All(ds.Items, i => Assert.Equal(Split.Test, i.Split));
    }

    [Fact]
    public void Read_ConcurrentFirstReads_AllItemsCorrect()
    {
        using var dir = new TempDir();
        var labels = Enumerable.Range(0, 200).Select(i => (byte)(i % 10)).ToArray();
        IdxTestFiles.WriteSet(dir.Path, "train", labels, 7, 6, gzip: true);
        var ds = DatasetLoader.Load(dir.Path);
        var results = new byte[ds.Items.Count][];
        Parallel.For(0, ds.Items.Count, k => results[k] = ds.Items[k].Read().Bytes);
        for (var k = 0; k < ds.Items.Count; k++)
            Assert.Equal(IdxTestFiles.Pixels(int.Parse(ds.Items[k].Id.Split('#')[1]), 7, 6), results[k]);
    }
}

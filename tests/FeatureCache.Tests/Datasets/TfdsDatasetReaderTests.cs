namespace Graft.FeatureCache.Datasets.Tests;

public sealed class TfdsDatasetReaderTests
{
    private static TfdsTestFolder Flowers(TempDir dir) => new TfdsTestFolder
    {
        DataDir = dir["tensorflow_datasets"],
        Splits = new Dictionary<string, int[]>
        {
            ["train"] = [0, 1, 2, 0, 1, 2, 0],
            ["validation"] = [2, 1, 0],
            ["test"] = [1, 1, 0, 2, 2],
        },
    }.Create();

    [Fact]
    public void Load_DataDirNameAndVersionFolders_AllResolveToVersionFolder()
    {
        using var dir = new TempDir();
        var tfds = Flowers(dir);
        Directory.CreateDirectory(Path.Combine(tfds.DataDir, "downloads", "manual"));

        foreach (var path in new[] { tfds.DataDir, Path.Combine(tfds.DataDir, tfds.Name), tfds.VersionDir, Path.Combine(tfds.VersionDir, "dataset_info.json") })
        {
            var ds = DatasetLoader.Load(path);
            Assert.Equal(DatasetFormat.Tfds, ds.Format);
            Assert.Equal(tfds.VersionDir, ds.Root);
        }
    }

    [Fact]
    public void Load_FlowersLike_ClassNamesSplitCountsLabelsAndImages()
    {
        using var dir = new TempDir();
        var tfds = Flowers(dir);

        var ds = DatasetLoader.Load(tfds.VersionDir);

        Assert.Equal(tfds.ClassNames, ds.ClassNames);
        Assert.Equal((7, 3, 5), (ds.Count(Split.Train), ds.Count(Split.Validation), ds.Count(Split.Test)));
        Assert.Equal("TFDS splits (train, validation, test)", ds.SplitSource);
        Assert.Empty(ds.Warnings);
        for (var i = 0; i < 3; i++)
        {
            var (file, record) = tfds.Locate("validation", i);
            var item = ds.Items.Single(x => x.Id == $"{file}#{record}");
            Assert.Equal((tfds.Splits["validation"][i], Split.Validation), (item.Label, item.Split));
            Assert.Equal(TfdsTestFolder.Image("validation", i), item.Read().Bytes);
        }
    }

    [Fact]
    public void Load_NameFolderWithSeveralVersions_PicksHighestSemver()
    {
        using var dir = new TempDir();
        var dataDir = dir["data"];
        var splits = new Dictionary<string, int[]> { ["train"] = [0, 1] };
        new TfdsTestFolder { DataDir = dataDir, Name = "cassava", Version = "2.9.0", Splits = splits }.Create();
        var newest = new TfdsTestFolder { DataDir = dataDir, Name = "cassava", Version = "2.10.0", Splits = splits }.Create();
        new TfdsTestFolder { DataDir = dataDir, Name = "cassava", Version = "2.10.0-beta", Splits = splits }.Create();
        Directory.CreateDirectory(Path.Combine(dataDir, "cassava", "3.0.0.incomplete7XQ2"));

        Assert.Equal(newest.VersionDir, DatasetLoader.Load(Path.Combine(dataDir, "cassava")).Root);
    }

    [Fact]
    public void Load_UnknownSplit_IgnoredAndNamedInSplitSource()
    {
        using var dir = new TempDir();
        var tfds = new TfdsTestFolder
        {
            DataDir = dir.Path,
            Splits = new Dictionary<string, int[]> { ["train"] = [0, 1], ["unlabelled"] = [0, 0, 0] },
            ShardsPerSplit = 1,
        }.Create();

        var ds = DatasetLoader.Load(tfds.VersionDir);

        Assert.Equal(2, ds.Items.Count);
        Assert.Equal("TFDS splits (train); ignored splits: unlabelled", ds.SplitSource);
    }

    [Fact]
    public void Load_NoLabelsFile_NamesFromClassLabelCount()
    {
        using var dir = new TempDir();
        var tfds = new TfdsTestFolder { DataDir = dir.Path, WriteLabelsFile = false, Splits = new Dictionary<string, int[]> { ["test"] = [1] } }.Create();
        Assert.Equal(["0", "1", "2"], DatasetLoader.Load(tfds.VersionDir).ClassNames);
    }

    [Fact]
    public void Load_CorruptDataCrc_ThatItemReadThrowsOthersRead()
    {
        using var dir = new TempDir();
        var tfds = Flowers(dir);
        var (file, record) = tfds.Locate("train", 1);
        var path = Path.Combine(tfds.VersionDir, file);
        var offsets = new List<long>();
        TfRecordReader.Scan(path, (in TfRecordEntry e, byte[] _) => offsets.Add(e.Offset));
        var bytes = File.ReadAllBytes(path);
        bytes[offsets[record] + 12 + 20] ^= 0x55;
        File.WriteAllBytes(path, bytes);

        var ds = DatasetLoader.Load(tfds.DataDir);

        var broken = ds.Items.Single(i => i.Id == $"{file}#{record}");
        var e = Assert.Throws<InvalidDataException>(() => broken.Read());
        Assert.Equal($"TFRecord record {record} of file {file}: data CRC mismatch", e.Message);
        Assert.Equal(15, ds.Items.Count);
        Assert.All(ds.Items.Where(i => i != broken), i => Assert.NotEmpty(i.Read().Bytes));
    }

    [Fact]
    public void Load_TruncatedShard_EarlierRecordsListedWithWarning()
    {
        using var dir = new TempDir();
        var tfds = Flowers(dir);
        var path = Path.Combine(tfds.VersionDir, tfds.ShardName("test", 1));
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^7]);

        var ds = DatasetLoader.Load(tfds.VersionDir);

        Assert.Equal(4, ds.Count(Split.Test));   // shard 1 held 2 records; its last is cut off
        Assert.Equal(2, ds.Warnings.Count);      // the truncation, and the count that disagrees with dataset_info.json
        Assert.Contains(ds.Warnings, w => w.Contains(tfds.ShardName("test", 1)) && w.Contains("truncated"));
        Assert.Contains(ds.Warnings, w => w.Contains("1 records read, dataset_info.json says 2"));
    }

    [Fact]
    public void Load_ConcurrentReads_AllImagesCorrect()
    {
        using var dir = new TempDir();
        var tfds = Flowers(dir);
        var ds = DatasetLoader.Load(tfds.VersionDir);
        var expected = ds.Items.Select(i => i.Read().Bytes).ToArray();
        var actual = new byte[ds.Items.Count][];
        Parallel.For(0, ds.Items.Count * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k => actual[k % ds.Items.Count] = ds.Items[k % ds.Items.Count].Read().Bytes);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Load_SplitsOptionValidation_ScansValidationOnly()
    {
        using var dir = new TempDir();
        var tfds = Flowers(dir);
        var ds = DatasetLoader.Load(tfds.VersionDir, new DatasetOptions { Splits = [Split.Validation] });
        Assert.Equal(3, ds.Items.Count);
        Assert.Equal("TFDS splits (validation)", ds.SplitSource);
    }

    [Fact]
    public void Load_DataDirWithTwoDatasets_ThrowsListingThem()
    {
        using var dir = new TempDir();
        var splits = new Dictionary<string, int[]> { ["train"] = [0] };
        new TfdsTestFolder { DataDir = dir.Path, Name = "cassava", Splits = splits }.Create();
        new TfdsTestFolder { DataDir = dir.Path, Name = "oxford_flowers102", Splits = splits }.Create();
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("2 TFDS datasets (cassava, oxford_flowers102)", e.Message);
    }

    [Fact]
    public void Load_OtherLabelFeatureName_ThrowsListingFeatures()
    {
        using var dir = new TempDir();
        var tfds = Flowers(dir);
        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(tfds.VersionDir, new DatasetOptions { TfdsLabelFeature = "species" }));
        Assert.Contains("no int64 feature 'species' (it has: image, label, file_name)", e.Message);
    }
}

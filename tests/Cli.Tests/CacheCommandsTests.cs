using Graft.Cli.Tests.Fixtures;

namespace Graft.Cli.Tests;

public sealed class CacheCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("graft-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void FeaturesExport_Npy_WritesLoadableArraysPerSplit()
    {
        var data = Path.Combine(_dir, "data");
        var cache = Path.Combine(_dir, "cache");
        SyntheticImages.WriteFolderDataset(data, 2, new Dictionary<string, int> { ["train"] = 3, ["test"] = 2 });
        Assert.Equal(0, GraftCli.Run("precompute", "--data", data, "--cache", cache, "--json").Exit);

        var (exit, _) = GraftCli.Run("features", "export", "--cache", cache, "--format", "npy", "--out", Path.Combine(_dir, "npy"));

        Assert.Equal(0, exit);
        var bytes = File.ReadAllBytes(Path.Combine(_dir, "npy", "features_train.npy"));
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        var headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = System.Text.Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'shape': (6, 512)", header);
        Assert.Equal(10 + headerLength + 6 * 512 * 4, bytes.Length);
        Assert.Equal(["class_a", "class_b"], File.ReadAllLines(Path.Combine(_dir, "npy", "classes.txt")));
        Assert.Equal(2 * 2, File.ReadAllLines(Path.Combine(_dir, "npy", "ids_test.txt")).Length);
    }

    [Fact]
    public void FeaturesExport_Csv_HasIdLabelNameAndFeatures()
    {
        var data = Path.Combine(_dir, "data");
        var cache = Path.Combine(_dir, "cache");
        SyntheticImages.WriteFolderDataset(data, 2, new Dictionary<string, int> { ["train"] = 2, ["test"] = 1 });
        Assert.Equal(0, GraftCli.Run("precompute", "--data", data, "--cache", cache, "--json").Exit);

        Assert.Equal(0, GraftCli.Run("features", "export", "--cache", cache, "--format", "csv", "--out", Path.Combine(_dir, "csv")).Exit);

        var lines = File.ReadAllLines(Path.Combine(_dir, "csv", "features_train.csv"));
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("id,label,label_name,f0,f1,", lines[0]);
        Assert.Equal(3 + 512, lines[1].Split(',').Length);
    }

    [Fact]
    public void FeaturesInfo_ShowsTheSetAndItsSplitCounts()
    {
        var data = Path.Combine(_dir, "data");
        var cache = Path.Combine(_dir, "cache");
        SyntheticImages.WriteFolderDataset(data, 2, new Dictionary<string, int> { ["train"] = 3, ["val"] = 1, ["test"] = 2 });
        Assert.Equal(0, GraftCli.Run("precompute", "--data", data, "--cache", cache, "--json").Exit);

        var (exit, output) = GraftCli.Run("features", "info", "--cache", cache);

        Assert.Equal(0, exit);
        Assert.Matches(@"resnet18\s*│\s*512-d float32\s*│\s*12\s*│\s*6\s*│\s*2\s*│\s*4\s*│\s*2\s*│\s*complete", output);
    }

    [Fact]
    public void BackboneList_ShowsShippedBackbonesAndWhetherTheirFilesArePresent()
    {
        var (exit, output) = GraftCli.Run("backbone", "list");
        Assert.Equal(0, exit);
        Assert.Contains("resnet18", output);
        Assert.Contains("nasnet_large", output);
        Assert.Contains("ResNet18.onnx (NuGet package, present)", output);
        Assert.Contains("331×331", output);
    }

    [Fact]
    public void BackboneShow_WithHash_ConfirmsTheResnet18File()
    {
        var (exit, output) = GraftCli.Run("backbone", "show", "resnet18", "--hash");
        Assert.Equal(0, exit);
        Assert.Contains("\"name\": \"resnet18\"", output);
        Assert.Contains("e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f matches", output);
    }
}

public sealed class DatasetInspectCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("graft-inspect-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void DatasetInspect_EmbeddedDataset_PrintsCountsPixelRangeAndWritesTheGrid()
    {
        var grid = Path.Combine(_dir, "grid.png");
        var (exit, output) = GraftCli.Run("dataset", "inspect", "--data", Path.Combine(Repo.Root, "data", "fashion-mnist-mini", "manifest.csv"), "--grid", grid);

        Assert.Equal(0, exit);
        Assert.Matches(@"T-shirt/top\s*│\s*150\s*│\s*30\s*│\s*50", output);
        Assert.Matches(@"total\s*│\s*1500\s*│\s*300\s*│\s*500", output);
        Assert.Contains("shape 28×28×3, pixel range 0..255", output);
        using var image = SixLabors.ImageSharp.Image.Load(grid);
        Assert.True(image.Width >= 5 * 28 && image.Height >= 5 * 28);
    }

    [Fact]
    public void DatasetInspect_Json_HasClassNamesAndSplitCounts()
    {
        var (exit, output) = GraftCli.Run("dataset", "inspect", "--data", Path.Combine(Repo.Root, "data", "fashion-mnist-mini", "manifest.csv"),
            "--grid", Path.Combine(_dir, "g.png"), "--json");

        Assert.Equal(0, exit);
        var report = PrecomputeCommandTests.Json(output).GetProperty("report");
        Assert.Equal(10, report.GetProperty("classNames").GetArrayLength());
        Assert.Equal(1500, report.GetProperty("splitCounts").GetProperty("train").GetInt32());
    }
}

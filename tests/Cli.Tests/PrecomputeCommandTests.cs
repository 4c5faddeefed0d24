using System.Text.Json;
using Graft.Cli.Tests.Fixtures;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;

namespace Graft.Cli.Tests;

public sealed class PrecomputeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("graft-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Data => Path.Combine(_dir, "data");
    private string Cache => Path.Combine(_dir, "cache");

    private void MakeData(int perClass = 4) =>
        SyntheticImages.WriteFolderDataset(Data, 3, new Dictionary<string, int> { ["train"] = perClass, ["val"] = 2, ["test"] = 2 });

    internal static JsonElement Json(string output)
    {
        // The JSON document is the last thing printed; it may span lines (indented) or be one line after log lines.
        var lines = output.Split('\n');
        var start = Array.FindLastIndex(lines, l => l.StartsWith('{'));
        return JsonDocument.Parse(string.Join('\n', lines[start..])).RootElement;
    }

    [Fact]
    public void Precompute_TwiceOnSameData_SecondRunComputesNothing()
    {
        MakeData();
        var first = GraftCli.Run("precompute", "--data", Data, "--cache", Cache, "--json", "--batch-size", "5");
        var second = GraftCli.Run("precompute", "--data", Data, "--cache", Cache, "--json");

        Assert.Equal(0, first.Exit);
        Assert.Equal(0, second.Exit);
        var a = Json(first.Output);
        var b = Json(second.Output);
        Assert.Equal(24, a.GetProperty("computed").GetInt32());
        Assert.Equal(0, a.GetProperty("reused").GetInt32());
        Assert.Equal(0, b.GetProperty("computed").GetInt32());
        Assert.Equal(24, b.GetProperty("reused").GetInt32());
        Assert.Equal(0, b.GetProperty("skipped").GetArrayLength());
        Assert.True(a.GetProperty("imagesPerSecond").GetDouble() > 0);
        Assert.StartsWith("none needed", b.GetProperty("device").GetString());
    }

    [Fact]
    public void Precompute_AddedImages_ComputesOnlyTheNewOnes()
    {
        MakeData();
        Assert.Equal(0, GraftCli.Run("precompute", "--data", Data, "--cache", Cache, "--json").Exit);
        SyntheticImages.Write(Path.Combine(Data, "train", "class_a", "new1.png"), new(10, 10, 10), 40, new Random(99));
        SyntheticImages.Write(Path.Combine(Data, "test", "class_b", "new2.png"), new(90, 10, 10), 40, new Random(98));

        var again = Json(GraftCli.Run("precompute", "--data", Data, "--cache", Cache, "--json").Output);

        Assert.Equal(2, again.GetProperty("computed").GetInt32());
        Assert.Equal(24, again.GetProperty("reused").GetInt32());
        var set = FeatureStore.Open(Cache).Select();
        var read = set.ReadSplits(set.LoadManifest());
        Assert.Equal(13, read.Splits[Split.Train].Count);
        Assert.Equal(7, read.Splits[Split.Test].Count);
        Assert.Equal(6, read.Splits[Split.Validation].Count);
        Assert.Empty(read.Missing);
    }

    [Fact]
    public void Precompute_HostileFiles_AreSkippedWithReasonsAndTheRunSucceeds()
    {
        MakeData();
        var cls = Path.Combine(Data, "train", "class_a");
        File.WriteAllBytes(Path.Combine(cls, "empty.jpg"), []);
        File.WriteAllText(Path.Combine(cls, "notes.jpg"), "this is not a picture");
        var png = File.ReadAllBytes(Path.Combine(cls, "000.png"));
        File.WriteAllBytes(Path.Combine(cls, "cut.png"), png[..(png.Length / 2)]);

        var (exit, output) = GraftCli.Run("precompute", "--data", Data, "--cache", Cache, "--json");

        Assert.Equal(0, exit);
        var json = Json(output);
        Assert.Equal(24, json.GetProperty("computed").GetInt32());
        var skipped = json.GetProperty("skipped").EnumerateArray()
            .ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("reason").GetString()!);
        Assert.Equal(3, skipped.Count);
        Assert.StartsWith("Empty", skipped["train/class_a/empty.jpg"]);
        Assert.StartsWith("UnknownFormat", skipped["train/class_a/notes.jpg"]);
        Assert.StartsWith("Corrupt", skipped["train/class_a/cut.png"]);
        var manifest = FeatureStore.Open(Cache).Select().LoadManifest();
        Assert.Equal(3, manifest.Items.Count(i => i.Skipped is not null));
    }

    [Fact]
    public void Precompute_Tables_PrintSummaryWithCountsAndSkippedReasons()
    {
        MakeData(perClass: 1);
        File.WriteAllBytes(Path.Combine(Data, "train", "class_a", "empty.jpg"), []);

        var (exit, output) = GraftCli.Run("precompute", "--data", Data, "--cache", Cache);

        Assert.Equal(0, exit);
        Assert.Contains("computed", output);
        Assert.Contains("15", output); // 3 classes × (1 + 2 + 2)
        Assert.Contains("skipped (Empty): 1", output);
        Assert.Contains("device: CPU", output);
    }

    [Fact]
    public void Precompute_ShardsCopiedIntoOneCache_EqualTheUnshardedRun()
    {
        MakeData();
        var whole = Path.Combine(_dir, "whole");
        var s0 = Path.Combine(_dir, "s0");
        var s1 = Path.Combine(_dir, "s1");
        Assert.Equal(0, GraftCli.Run("precompute", "--data", Data, "--cache", whole, "--json").Exit);
        var r0 = Json(GraftCli.Run("precompute", "--data", Data, "--cache", s0, "--shard", "0/2", "--json").Output);
        var r1 = Json(GraftCli.Run("precompute", "--data", Data, "--cache", s1, "--shard", "1/2", "--json").Output);
        Assert.Equal(24, r0.GetProperty("total").GetInt32() + r1.GetProperty("total").GetInt32());
        Assert.True(r0.GetProperty("total").GetInt32() > 0 && r1.GetProperty("total").GetInt32() > 0);

        // Combining shards is copying their files into one folder; nothing is rewritten.
        var setId = r0.GetProperty("featureSet").GetString()!;
        foreach (var f in Directory.GetFiles(Path.Combine(s1, "sets", setId)))
            File.Copy(f, Path.Combine(s0, "sets", setId, Path.GetFileName(f)), overwrite: true);

        var combined = FeatureStore.Open(s0).Select();
        var reference = FeatureStore.Open(whole).Select();
        Assert.Equal(reference.Id, combined.Id);
        var a = combined.ReadSplits(combined.LoadManifest());
        var b = reference.ReadSplits(reference.LoadManifest());
        foreach (var split in new[] { Split.Train, Split.Validation, Split.Test })
        {
            Assert.Equal(b.Splits[split].Ids, a.Splits[split].Ids);
            Assert.Equal(b.Splits[split].Features, a.Splits[split].Features);
        }
    }

    [Fact]
    public void Precompute_OnlyOneOfTwoShardsDone_ReadingSaysWhichShardIsMissing()
    {
        MakeData();
        Assert.Equal(0, GraftCli.Run("precompute", "--data", Data, "--cache", Cache, "--shard", "1/2", "--json").Exit);
        var e = Assert.Throws<GraftException>(() => FeatureStore.Open(Cache).Select().LoadManifest());
        Assert.Contains("shards 0/2 have not finished", e.Message);
    }

    [Fact]
    public void Precompute_DifferentPreprocessing_KeepsFeaturesApart()
    {
        MakeData(perClass: 1);
        Assert.Equal(0, GraftCli.Run("precompute", "--data", Data, "--cache", Cache, "--json").Exit);
        var other = Json(GraftCli.Run("precompute", "--data", Data, "--cache", Cache, "--json", "--interpolation", "bicubic").Output);

        Assert.Equal(15, other.GetProperty("computed").GetInt32());
        Assert.Equal(2, FeatureStore.Open(Cache).Sets.Count);
        var e = Assert.Throws<GraftException>(() => FeatureStore.Open(Cache).Select());
        Assert.Contains("several feature sets", e.Message);
    }

    [Fact]
    public void Precompute_Float16_HalvesTheStoreAndStaysClose()
    {
        MakeData(perClass: 2);
        var c32 = Path.Combine(_dir, "c32");
        var c16 = Path.Combine(_dir, "c16");
        Assert.Equal(0, GraftCli.Run("precompute", "--data", Data, "--cache", c32, "--json").Exit);
        Assert.Equal(0, GraftCli.Run("precompute", "--data", Data, "--cache", c16, "--json", "--dtype", "float16").Exit);

        long Size(string c) => Directory.GetFiles(c, "seg-*.gfs", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.InRange(Size(c16) / (double)Size(c32), 0.5, 0.56); // 512 values: 2048 vs 1024 bytes + 32-byte keys
        var a = FeatureStore.Open(c32).Select();
        var b = FeatureStore.Open(c16).Select();
        var fa = a.ReadSplits(a.LoadManifest()).Splits[Split.Train].Features;
        var fb = b.ReadSplits(b.LoadManifest()).Splits[Split.Train].Features;
        Assert.Equal(fa.Length, fb.Length);
        for (var i = 0; i < fa.Length; i++) Assert.Equal(fa[i], fb[i], Math.Abs(fa[i]) * 1e-3 + 1e-3);
    }

    [Theory]
    [InlineData(new[] { "precompute", "--cache", "x" }, "--data PATH is required")]
    [InlineData(new[] { "precompute", "--data", "/nonexistent/graft/data", "--cache", "x" }, "does not exist")]
    [InlineData(new[] { "precompute", "--data", ".", "--cache", "x", "--backbone", "vgg99" }, "Unknown backbone 'vgg99'")]
    [InlineData(new[] { "precompute", "--data", ".", "--cache", "x", "--shard", "2/2" }, "Bad shard '2/2'")]
    [InlineData(new[] { "precompute", "--data", ".", "--cache", "x", "--device", "tpu" }, "Unknown device 'tpu'")]
    [InlineData(new[] { "frobnicate" }, "error:")]
    public void Precompute_UserMistakes_ExitTwoWithOneLineAndNoStackTrace(string[] args, string expected)
    {
        var (exit, output) = GraftCli.Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
    }
}

using System.Diagnostics;
using System.Text.Json;
using Graft.Cli.Tests.Fixtures;
using Graft.FeatureCache.Store;
using Graft.FeatureCache.Tests.Fixtures;
using Graft.HeadTrainer.Runs;
using Spectre.Console.Testing;

namespace Graft.Cli.Tests;

/// <summary>The CLI side of hostile file systems: exit codes and where lines go (issue 9).</summary>
public sealed class HostileCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("graft-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>A folder dataset (train/val/test) precomputed with a tiny generated ONNX backbone.</summary>
    private string[] Precomputed(string cache = "cache", bool test = true)
    {
        var splits = new Dictionary<string, int> { ["train"] = 6, ["val"] = 2 };
        if (test) splits["test"] = 2;
        if (!Directory.Exists(P("data"))) SyntheticImages.WriteFolderDataset(P("data"), 3, splits, size: 24);
        if (!File.Exists(P("tiny.onnx"))) TinyOnnx.Write(P("tiny.onnx"), size: 16);
        string[] args = ["precompute", "--data", P("data"), "--backbone", P("tiny.onnx"), "--cache", P(cache), "--batch-size", "2", "--json"];
        var (exit, output) = GraftCli.Run(args);
        Assert.True(exit == 0, output);
        return args;
    }

    private static (int Exit, string Out, string Err) RunSplit(params string[] args)
    {
        var output = new TestConsole().Width(250);
        var errors = new TestConsole().Width(250);
        var exit = GraftApp.Run(args, output, default, errors);
        return (exit, output.Output, errors.Output);
    }

    [Fact]
    public void TrainHead_SegmentDeleted_Exit2NamingTheRowsAndTheRepair_AllowMissingTrains()
    {
        Precomputed();
        var set = FeatureStore.Open(P("cache")).Select();
        File.Delete(set.Segments.Single());

        var (exit, output) = GraftCli.Run("train-head", "--cache", P("cache"), "--out", P("run"));
        Assert.Equal(ExitCodes.UserError, exit);
        Assert.Contains("lacks features for 24 of 24 images (train 18 of 18, validation 6 of 6; e.g. train/class_a/000.png", output.Replace("\n", ""));
        Assert.Contains("deleted.", output);
        Assert.Contains("graft precompute --data", output);

        var (info, infoOut) = GraftCli.Run("features", "info", "--cache", P("cache"));
        Assert.Equal(0, info);
        Assert.Contains("1 segment missing", infoOut);
        Assert.Contains("is missing (deleted or not copied)", infoOut);

        Assert.Equal(ExitCodes.UserError, GraftCli.Run("features", "export", "--cache", P("cache"), "--out", P("npy")).Exit);
    }

    [Fact]
    public void GarbageSetJson_Exit2WithAHint_PrecomputeRepairsIt()
    {
        var args = Precomputed();
        var set = FeatureStore.Open(P("cache")).Select();
        File.WriteAllText(Path.Combine(set.Directory, "set.json"), "{ not json");

        var (exit, output) = GraftCli.Run("train-head", "--cache", P("cache"), "--out", P("run"));
        Assert.Equal(ExitCodes.UserError, exit);
        Assert.Contains("damaged set.json", output);
        Assert.Contains("hint: Rerun the graft precompute", output.Replace("\n", ""));

        var repair = GraftCli.Run(args);
        Assert.Equal(0, repair.Exit);
        Assert.Equal(30, PrecomputeCommandTests.Json(repair.Output).GetProperty("reused").GetInt32());
        Assert.Equal(0, GraftCli.Run("train-head", "--cache", P("cache"), "--out", P("run")).Exit);
    }

    [Fact]
    public void TrainHead_AllowMissing_IsRecordedInConfigJson()
    {
        Precomputed(test: false); // every block holds train or validation rows
        var set = FeatureStore.Open(P("cache")).Select();
        var segment = set.Segments.Single();
        using (var s = new FileStream(segment, FileMode.Open)) s.SetLength(s.Length - 5); // the last block (2 images) torn

        Assert.Equal(ExitCodes.UserError, GraftCli.Run("train-head", "--cache", P("cache"), "--out", P("run")).Exit);
        var (exit, output) = GraftCli.Run("train-head", "--cache", P("cache"), "--out", P("run"), "--allow-missing");

        Assert.True(exit == 0, output);
        var config = RunFolder.Load(P("run")).Config;
        Assert.True(config.AllowMissing);
        Assert.Equal(2, config.Splits.MissingFeatures);
        Assert.Equal(22, config.Splits.Train + config.Splits.Validation);
    }

    [Fact]
    public void TrainHead_DiskFullWritingTheRunFolder_Exit3OneLine_NoTempFiles_SameCommandResumes()
    {
        Precomputed();
        string[] args = ["train-head", "--cache", P("cache"), "--out", P("run")];
        (int Exit, string Output) full;
        using (WriteFaults.Inject(new FailNthWrite(3))) full = GraftCli.Run(args); // history.csv

        Assert.Equal(ExitCodes.Interrupted, full.Exit);
        var lines = full.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("error") || l.Contains("disk")).ToList();
        Assert.Single(lines);
        Assert.StartsWith("error: the disk is full: No space left on device", lines[0]);
        Assert.Empty(Directory.GetFiles(P("run"), "*.tmp"));

        Assert.Equal(0, GraftCli.Run(args).Exit);
        Assert.True(File.Exists(Path.Combine(P("run"), RunFolder.ConfigFile)));
    }

    [Fact]
    public void Precompute_DiskFullWritingTheManifest_Exit3_RerunWritesIt()
    {
        SyntheticImages.WriteFolderDataset(P("data"), 2, new Dictionary<string, int> { ["train"] = 3 }, size: 24);
        TinyOnnx.Write(P("tiny.onnx"), size: 16);
        Graft.FeatureCache.Backbones.ModelHash.Compute(P("tiny.onnx")); // its hash memo (GRAFT_HOME) is written now, not counted below
        string[] args = ["precompute", "--data", P("data"), "--backbone", P("tiny.onnx"), "--cache", P("cache"), "--batch-size", "2"];
        (int Exit, string Output) full;
        using (WriteFaults.Inject(new FailNthWrite(1 + 1 + 1 + 1 + 3 + 1))) full = GraftCli.Run(args); // marker, set.json, backbone.json, header, 3 blocks, manifest

        Assert.Equal(ExitCodes.Interrupted, full.Exit);
        Assert.Contains("Writing the manifest", full.Output);
        Assert.Empty(Directory.GetFiles(P("cache"), "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(0, GraftCli.Run(args).Exit);
        Assert.Equal(6, FeatureStore.Open(P("cache")).Select().LoadManifest().Items.Count);
    }

    [Fact]
    public void TrainHead_RunFolderHeldByAnotherGraft_Exit2WithItsPid()
    {
        Precomputed();
        Directory.CreateDirectory(P("run"));
        using var other = FileLock.TryAcquire(Path.Combine(P("run"), RunLock.LockFile));

        var (exit, output) = GraftCli.Run("train-head", "--cache", P("cache"), "--out", P("run"));

        Assert.Equal(ExitCodes.UserError, exit);
        Assert.Contains($"{P("run")} is being written by another graft (pid {Environment.ProcessId})", output.Replace("\n", ""));
    }

    [Fact]
    public void Json_StdoutHoldsOnlyTheDocument_ProgressAndErrorsGoToStderr()
    {
        var args = Precomputed();

        var pre = RunSplit(args);
        Assert.Equal(0, pre.Exit);
        Assert.Equal(30, JsonDocument.Parse(pre.Out).RootElement.GetProperty("reused").GetInt32()); // the whole of stdout parses
        Assert.Contains("precompute: 30/30", pre.Err);

        var train = RunSplit("train-head", "--cache", P("cache"), "--out", P("run"), "--head", "mlp", "--epochs", "2", "--json");
        Assert.Equal(0, train.Exit);
        Assert.Equal("mlp", JsonDocument.Parse(train.Out).RootElement.GetProperty("head").GetString());
        Assert.Contains("mlp epoch 1/2", train.Err);

        var eval = RunSplit("evaluate", "--run", P("run"), "--json");
        Assert.Equal(0, eval.Exit);
        JsonDocument.Parse(eval.Out);
    }

    [Theory]
    [InlineData("precompute", "--data", "MISSING", "--cache", "CACHE", "--json")]
    [InlineData("train-head", "--cache", "MISSING", "--out", "RUN", "--json")]
    [InlineData("evaluate", "--run", "MISSING", "--json")]
    [InlineData("predict", "--run", "MISSING", "MISSING", "--json")]
    [InlineData("finetune", "--run", "MISSING", "--train-top", "2", "--json")]
    [InlineData("dataset", "inspect", "--data", "MISSING", "--json")]
    [InlineData("backbone", "show", "MISSING", "--json")]
    [InlineData("train-head", "--cache", "MISSING", "--out", "RUN", "--hed", "mlp", "--json")]
    public void Json_Errors_GoToStderr_StdoutStaysEmpty(params string[] args)
    {
        args = args.Select(a => a switch { "MISSING" => P("missing"), "CACHE" => P("cache"), "RUN" => P("run"), _ => a }).ToArray();

        var (exit, output, errors) = RunSplit(args);

        Assert.Equal(ExitCodes.UserError, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error:", errors);
    }

    [Fact]
    public void FeaturesMerge_ShardsOfTwoDatasets_Exit2WithTheReason_OneDatasetMerges()
    {
        SyntheticImages.WriteFolderDataset(P("a"), 2, new Dictionary<string, int> { ["train"] = 4 }, size: 24, seed: 1);
        SyntheticImages.WriteFolderDataset(P("b"), 2, new Dictionary<string, int> { ["train"] = 5 }, size: 24, seed: 2);
        TinyOnnx.Write(P("tiny.onnx"), size: 16);
        string[] common = ["precompute", "--backbone", P("tiny.onnx"), "--json"];
        Assert.Equal(0, GraftCli.Run([.. common, "--data", P("a"), "--cache", P("a0"), "--shard", "0/2"]).Exit);
        Assert.Equal(0, GraftCli.Run([.. common, "--data", P("a"), "--cache", P("a1"), "--shard", "1/2"]).Exit);
        Assert.Equal(0, GraftCli.Run([.. common, "--data", P("b"), "--cache", P("b1"), "--shard", "1/2"]).Exit);

        var (refused, output) = GraftCli.Run("features", "merge", P("a0"), P("b1"), "--into", P("wrong"));
        Assert.Equal(ExitCodes.UserError, refused);
        Assert.Contains("two different datasets", output.Replace("\n", ""));

        Assert.Equal(0, GraftCli.Run("features", "merge", P("a0"), P("a1"), "--into", P("merged")).Exit);
        var set = FeatureStore.Open(P("merged")).Select();
        Assert.Empty(set.ReadSplits(set.LoadManifest()).Missing);
        Assert.Equal(8, set.LoadManifest().Items.Count);
    }

    [Fact]
    public void Sigterm_StopsPrecomputeWithExit3AndOneLine_TheSameCommandResumes()
    {
        SyntheticImages.WriteFolderDataset(P("data"), 4, new Dictionary<string, int> { ["train"] = 50 }, size: 48); // ResNet18: seconds of work
        string[] args = ["precompute", "--data", P("data"), "--backbone", "resnet18", "--cache", P("cache"), "--batch-size", "4", "--json"];
        using (var child = GraftCli.Start(args))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!child.HasExited && DateTime.UtcNow < deadline && SegmentBytes(P("cache")) < 48 + 2 * (24 + 4 * (32 + 512 * 4))) Thread.Sleep(5);
            Assert.False(child.HasExited, "finished before the signal");
            Assert.Equal(0, Kill(child.Id, 15)); // SIGTERM
            Assert.True(child.WaitForExit(60_000), "SIGTERM did not stop the run");

            // A few lines each: the pipes never fill, so they are read once the process has gone.
            var stderr = child.StandardError.ReadToEnd();
            Assert.True(child.ExitCode == ExitCodes.Interrupted, $"exit {child.ExitCode}: {stderr}");
            Assert.True(JsonDocument.Parse(child.StandardOutput.ReadToEnd()).RootElement.GetProperty("interrupted").GetBoolean());
            Assert.Single(stderr.Split('\n'), l => l.Contains("interrupted"));
        }

        var (exit, output) = GraftCli.Run(args);
        Assert.Equal(0, exit);
        var json = PrecomputeCommandTests.Json(output);
        Assert.Equal(200, json.GetProperty("computed").GetInt32() + json.GetProperty("reused").GetInt32());
        Assert.InRange(json.GetProperty("reused").GetInt32(), 8, 199);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public void TwoShardProcessesStartedTogetherIntoANewFolder_BothSucceed_FiveTimes()
    {
        SyntheticImages.WriteFolderDataset(P("data"), 2, new Dictionary<string, int> { ["train"] = 6 }, size: 24);
        TinyOnnx.Write(P("tiny.onnx"), size: 16);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var cache = P($"cache{attempt}");
            var children = Enumerable.Range(0, 2).Select(i => GraftCli.Start("precompute", "--data", P("data"), "--backbone", P("tiny.onnx"),
                "--cache", cache, "--shard", $"{i}/2", "--json")).ToList();
            foreach (var child in children)
            {
                var stderr = child.StandardError.ReadToEndAsync();
                child.StandardOutput.ReadToEnd();
                Assert.True(child.WaitForExit(120_000), "a shard hung");
                Assert.True(child.ExitCode == 0, $"attempt {attempt}: exit {child.ExitCode}: {stderr.GetAwaiter().GetResult()}");
                child.Dispose();
            }
            var set = FeatureStore.Open(cache).Select();
            Assert.Equal(12, set.ReadSplits(set.LoadManifest()).Splits.Values.Sum(s => s.Count));
        }
    }

    internal static long SegmentBytes(string cache) =>
        Directory.Exists(cache) ? Directory.GetFiles(cache, "seg-*.gfs", SearchOption.AllDirectories).Sum(f => { try { return new FileInfo(f).Length; } catch (IOException) { return 0; } }) : 0;
}


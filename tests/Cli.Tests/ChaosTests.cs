using Graft.Cli.Tests.Fixtures;
using Graft.FeatureCache.Store;
using Graft.FeatureCache.Tests.Fixtures;

namespace Graft.Cli.Tests;

/// <summary>
/// kill -9 a child <c>graft precompute</c> at 10 seeded points of one run (measured in records on disk, so the points
/// do not depend on the machine's speed; the kill lands wherever the writer is then — between blocks, inside one,
/// before the manifest), resume with the same command each time, and compare the result with a run never interrupted,
/// bit for bit. Not timed: a slow machine only moves where the kills land.
/// </summary>
public sealed class ChaosTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("graft-chaos-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Precompute_KilledAt10SeededPoints_EndsBitIdenticalToAnUninterruptedRun()
    {
        var data = Path.Combine(_dir, "data");
        var model = TinyOnnx.Write(Path.Combine(_dir, "tiny.onnx"), size: 16);
        SyntheticImages.WriteFolderDataset(data, 3, new Dictionary<string, int> { ["train"] = 60, ["val"] = 20, ["test"] = 20 }, size: 128, seed: 9);
        const int total = 300;
        const int recordBytes = 32 + 8 * 4;
        string[] args = ["precompute", "--data", data, "--backbone", model, "--batch-size", "2", "--workers", "1", "--threads", "1", "--json"];
        var chaos = Path.Combine(_dir, "chaos");

        var rng = new Random(20261201);
        var points = Enumerable.Range(0, 10).Select(_ => rng.Next(1, total)).Order().ToArray();
        var killed = 0;
        foreach (var records in points)
        {
            using var child = GraftCli.Start([.. args, "--cache", chaos]);
            _ = child.StandardOutput.ReadToEndAsync();
            _ = child.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(120);
            // Payload bytes on disk, over all segments (headers of 48 and 24 bytes left out), ≈ records stored.
            while (!child.HasExited && DateTime.UtcNow < deadline && PayloadRecords(chaos, recordBytes) < records) Thread.Sleep(1);
            if (!child.HasExited)
            {
                child.Kill(); // SIGKILL: no cleanup code runs
                killed++;
            }
            Assert.True(child.WaitForExit(60_000), "a killed precompute did not go away");
            var store = FeatureStore.Open(chaos); // whatever the kill left is a cache
            Assert.Empty(store.Sets.SelectMany(s => s.ScanIndex().Damage));
        }
        Assert.True(killed >= 5, $"only {killed} of 10 kills landed before the run finished");

        var (exit, output) = GraftCli.Run([.. args, "--cache", chaos]);
        Assert.True(exit == 0, output);
        var (cleanExit, cleanOutput) = GraftCli.Run([.. args, "--cache", Path.Combine(_dir, "clean")]);
        Assert.True(cleanExit == 0, cleanOutput);

        var a = FeatureStore.Open(chaos).Select();
        var b = FeatureStore.Open(Path.Combine(_dir, "clean")).Select();
        var ra = a.ReadSplits(a.LoadManifest());
        var rb = b.ReadSplits(b.LoadManifest());
        Assert.Empty(ra.Missing);
        Assert.Empty(ra.Health.Damage);
        Assert.Equal(total, ra.Splits.Values.Sum(s => s.Count));
        Assert.Equal(rb.Health.Records, ra.Health.Records); // nothing was stored twice
        foreach (var split in rb.Splits.Keys)
        {
            Assert.Equal(rb.Splits[split].Ids, ra.Splits[split].Ids);
            Assert.Equal(rb.Splits[split].Labels, ra.Splits[split].Labels);
            Assert.True(rb.Splits[split].Features.AsSpan().SequenceEqual(ra.Splits[split].Features), $"{split} features differ");
        }
        Assert.Equal(rb.Health.Records, a.Segments.Count == 0 ? 0 : ra.Health.Records);
        Assert.Empty(Directory.GetFiles(chaos, "*.tmp", SearchOption.AllDirectories)); // leftovers cleaned by the resumes
        Assert.All(a.ScanIndex().Scans, s => Assert.True(s.Records > 0, $"{Path.GetFileName(s.Path)} is an empty leftover"));
    }

    [Fact]
    public void FineTune_KilledAt5SeededPoints_EndsWithTheSameWeightsAsAnUninterruptedRun()
    {
        var data = Path.Combine(_dir, "data");
        SyntheticImages.WriteFolderDataset(data, 2, new Dictionary<string, int> { ["train"] = 16, ["val"] = 4, ["test"] = 4 }, size: 24, seed: 5);
        Graft.FineTuner.Tests.Fixtures.TinyBackbone.Write(Path.Combine(_dir, "model"));
        var descriptor = Path.Combine(_dir, "model", "tiny.json");
        var cache = Path.Combine(_dir, "cache");
        Assert.Equal(0, GraftCli.Run("precompute", "--data", data, "--backbone", descriptor, "--cache", cache, "--json").Exit);
        var (trained, log) = GraftCli.Run("train-head", "--cache", cache, "--head", "mlp", "--hidden", "8", "--epochs", "3", "--seed", "1", "--out", Path.Combine(_dir, "chaos"));
        Assert.True(trained == 0, log);
        CopyFolder(Path.Combine(_dir, "chaos"), Path.Combine(_dir, "clean"));
        string[] Args(string run) => ["finetune", "--run", Path.Combine(_dir, run), "--backbone", descriptor, "--train-top", "4", "--epochs", "8",
            "--batch-size", "4", "--seed", "1", "--threads", "1", "--no-evaluate", "--boundary-cache", Path.Combine(_dir, "boundary-" + run)];

        var rng = new Random(20261202);
        var points = Enumerable.Range(0, 5).Select(_ => rng.Next(0, 8)).Order().ToArray(); // kill once epoch k is checkpointed (0: during setup)
        var killed = 0;
        foreach (var epoch in points)
        {
            using var child = GraftCli.Start(Args("chaos"));
            _ = child.StandardOutput.ReadToEndAsync();
            _ = child.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!child.HasExited && DateTime.UtcNow < deadline && LastEpoch(Path.Combine(_dir, "chaos")) < epoch
                   && !(epoch == 0 && Directory.Exists(Path.Combine(_dir, "boundary-chaos")))) Thread.Sleep(1);
            if (!child.HasExited)
            {
                child.Kill();
                killed++;
            }
            Assert.True(child.WaitForExit(60_000));
        }
        Assert.True(killed >= 3, $"only {killed} of 5 kills landed before the run finished");

        var (exit, output) = GraftCli.Run(Args("chaos"));
        Assert.True(exit == 0, output);
        var (cleanExit, cleanOutput) = GraftCli.Run(Args("clean"));
        Assert.True(cleanExit == 0, cleanOutput);

        string Model(string run) => Directory.GetFiles(Path.Combine(_dir, run, "finetune", "backbone"), "*.onnx").Single();
        Assert.True(File.ReadAllBytes(Model("clean")).AsSpan().SequenceEqual(File.ReadAllBytes(Model("chaos"))), "fine-tuned weights differ");
        string[] History(string run) => File.ReadAllLines(Path.Combine(_dir, run, "history.csv")).Select(l => string.Join(',', l.Split(',').SkipLast(1))).ToArray();
        Assert.Equal(History("clean"), History("chaos"));
    }

    private static int LastEpoch(string run)
    {
        var state = Directory.Exists(run) ? Directory.GetFiles(run, "state.json", SearchOption.AllDirectories).FirstOrDefault() : null;
        if (state is null) return 0;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(state));
            return json.RootElement.TryGetProperty("lastEpoch", out var e) ? e.GetInt32() : 0;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return 0;
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private static long PayloadRecords(string cache, int recordBytes)
    {
        if (!Directory.Exists(cache)) return 0;
        long bytes = 0;
        foreach (var f in Directory.GetFiles(cache, "seg-*.gfs", SearchOption.AllDirectories))
        {
            try
            {
                var length = new FileInfo(f).Length;
                var blocks = Math.Max(0, length - 48) / (24 + 2 * recordBytes);
                bytes += Math.Max(0, length - 48 - 24 * blocks);
            }
            catch (IOException) { }
        }
        return bytes / recordBytes;
    }
}

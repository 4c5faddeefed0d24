using Graft.Cli.Tests.Fixtures;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;

namespace Graft.Cli.Tests;

/// <summary>kill -9 a child <c>graft precompute</c> mid-run, rerun the same command, and compare with a run that was
/// never interrupted.</summary>
public sealed class KillResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("graft-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Precompute_KilledMidRun_ResumesAndEndsBitIdentical()
    {
        var data = Path.Combine(_dir, "data");
        var killed = Path.Combine(_dir, "killed");
        var clean = Path.Combine(_dir, "clean");
        SyntheticImages.WriteFolderDataset(data, 4, new Dictionary<string, int> { ["train"] = 40, ["test"] = 10 }, size: 48);
        const int total = 200;
        string[] args = ["precompute", "--data", data, "--backbone", "resnet18", "--batch-size", "4", "--json"];

        using (var child = GraftCli.Start([.. args, "--cache", killed]))
        {
            // One block of 4 ResNet18 records: 24-byte header + 4 × (32-byte key + 512 floats).
            const long twoBlocks = 48 + 2 * (24 + 4 * (32 + 512 * 4));
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!child.HasExited && DateTime.UtcNow < deadline)
            {
                var segments = Directory.Exists(killed) ? Directory.GetFiles(killed, "seg-*.gfs", SearchOption.AllDirectories) : [];
                if (segments.Sum(f => new FileInfo(f).Length) >= twoBlocks) break;
                Thread.Sleep(10);
            }
            if (child.HasExited) Assert.Fail("the run finished before it could be killed: " + child.StandardError.ReadToEnd());
            child.Kill(); // SIGKILL: no cleanup code runs
            child.WaitForExit();
        }

        var set = FeatureStore.Open(killed).Select();
        var atKill = set.ScanIndex();
        Assert.InRange(atKill.Records, 8, total - 1);
        Assert.Empty(atKill.Damage);
        Assert.Throws<GraftException>(() => set.LoadManifest()); // no manifest: the run had not finished

        var resumed = GraftCli.Run([.. args, "--cache", killed]);
        var uninterrupted = GraftCli.Run([.. args, "--cache", clean]);
        Assert.Equal(0, resumed.Exit);
        var json = PrecomputeCommandTests.Json(resumed.Output);
        Assert.Equal(atKill.Records, json.GetProperty("reused").GetInt32());
        Assert.Equal(total - atKill.Records, json.GetProperty("computed").GetInt32());

        var a = set.ReadSplits(set.LoadManifest());
        var reference = FeatureStore.Open(clean).Select();
        var b = reference.ReadSplits(reference.LoadManifest());
        Assert.Empty(a.Missing);
        Assert.Empty(a.Health.Damage);
        foreach (var split in new[] { Split.Train, Split.Test })
        {
            Assert.Equal(b.Splits[split].Ids, a.Splits[split].Ids);
            Assert.Equal(b.Splits[split].Labels, a.Splits[split].Labels);
            Assert.True(b.Splits[split].Features.AsSpan().SequenceEqual(a.Splits[split].Features), $"{split} features differ");
        }
    }
}

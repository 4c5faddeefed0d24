using System.Text.Json;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;

namespace Graft.FeatureCache.Tests.Hostile;

/// <summary>Several precomputes on one cache: creating it together, the same shard twice, leftovers of killed runs.</summary>
public sealed class StoreConcurrencyTests : IDisposable
{
    private readonly StoreFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void OpenOrCreate_WhileAnotherProcessIsCreatingIt_TakesItAsACache()
    {
        // What another process's OpenOrCreate leaves for an instant: its marker's temporary file, or (older Graft) an
        // empty sets folder. Both used to be "not empty and not a Graft feature cache" (exit 2).
        var a = _f.File("a");
        Directory.CreateDirectory(a);
        File.WriteAllText(Path.Combine(a, "graft-cache.json.4242.1.tmp"), "{");
        var b = _f.File("b");
        Directory.CreateDirectory(Path.Combine(b, "sets"));

        Assert.Equal(a, FeatureStore.OpenOrCreate(a).Root);
        Assert.Equal(b, FeatureStore.OpenOrCreate(b).Root);
        Assert.True(File.Exists(Path.Combine(b, "graft-cache.json")));
    }

    [Fact]
    public void OpenOrCreate_ManyAtOnceIntoOneNewFolder_AllSucceed()
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var root = _f.File($"race{attempt}");
            var errors = 0;
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
            {
                try { FeatureStore.OpenOrCreate(root); }
                catch (GraftException) { Interlocked.Increment(ref errors); }
            });
            Assert.Equal(0, errors);
            Assert.Empty(StoreFixture.TempFiles(root));
        }
    }

    [Fact]
    public void Precompute_SameShardTwiceAtOnce_SecondWaitsAndComputesNothing()
    {
        var store = FeatureStore.OpenOrCreate(_f.File("cache"));
        using var gate = new ManualResetEventSlim(false);
        var first = StoreFixture.Dataset(20, read: i => () =>
        {
            gate.Wait(TimeSpan.FromSeconds(60)); // holds the first run (and its lock) until the second is waiting
            return ImageData.Encoded(StoreFixture.Png(i));
        });
        var runA = Task.Run(() => FeaturePrecomputer.Run(first, _f.Backbone, store, StoreFixture.Options()));
        var lockFile = Path.Combine(_f.File("cache"), "sets");
        SpinWait.SpinUntil(() => Directory.GetFiles(lockFile, ".precompute-0-of-1.lock", SearchOption.AllDirectories).Length == 1, TimeSpan.FromSeconds(30));

        var waiting = new List<string>();
        var runB = Task.Run(() => FeaturePrecomputer.Run(StoreFixture.Dataset(20), _f.Backbone, store,
            StoreFixture.Options() with { Log = line => { lock (waiting) waiting.Add(line); } }));
        Assert.True(SpinWait.SpinUntil(() => { lock (waiting) return waiting.Count > 0; }, TimeSpan.FromSeconds(30)), "the second run never waited");
        Assert.False(runB.IsCompleted);
        gate.Set();

        Assert.True(Task.WaitAll([runA, runB], TimeSpan.FromSeconds(120)), "a precompute hung");
        Assert.Equal(20, runA.Result.Computed);
        Assert.Equal(0, runB.Result.Computed);
        Assert.Equal(20, runB.Result.Reused);
        Assert.Contains($"pid {Environment.ProcessId}", waiting[0]);
        Assert.Equal(20, store.Select().ScanIndex().Records); // nothing stored twice
    }

    [Fact]
    public void Precompute_TwoShardsAtOnceIntoANewFolder_BothSucceedAndFormOneSet()
    {
        var cache = _f.File("cache");
        var dataset = StoreFixture.Dataset(30);
        var shards = Enumerable.Range(0, 2).Select(i => Task.Run(() =>
            FeaturePrecomputer.Run(dataset, _f.Backbone, FeatureStore.OpenOrCreate(cache), StoreFixture.Options() with { Shard = new ShardSpec(i, 2) }))).ToArray();
        Assert.True(Task.WaitAll(shards, TimeSpan.FromSeconds(120)));
        Assert.Equal(30, shards.Sum(s => s.Result.Computed));

        var reference = _f.File("reference");
        FeaturePrecomputer.Run(dataset, _f.Backbone, FeatureStore.OpenOrCreate(reference), StoreFixture.Options());
        StoreFixture.AssertSame(StoreFixture.ReadAll(FeatureStore.Open(reference)), StoreFixture.ReadAll(FeatureStore.Open(cache)));
    }

    [Fact]
    public void Precompute_LeftoversOfAKilledRun_AreRemovedByTheNextRun_LiveWritersAreNot()
    {
        var store = FeatureStore.OpenOrCreate(_f.File("cache"));
        FeaturePrecomputer.Run(StoreFixture.Dataset(8), _f.Backbone, store, StoreFixture.Options());
        var set = store.Select();
        // A killed writer's empty segment (header only) and a killed atomic write's temporary file, both of a dead pid.
        const int deadPid = 2_000_000_000;
        using (var w = set.CreateWriter())
        {
            var empty = Path.Combine(set.Directory, $"seg-20260101T000000000-{StoreJanitor.Sanitized(Environment.MachineName)}-{deadPid}-deadbeef.gfs");
            File.Copy(w.Path, empty);
        }
        var tmp = Path.Combine(set.Directory, $"manifest-0-of-1.json.{deadPid}.1.tmp");
        File.WriteAllText(tmp, "{\"format\":");
        using var live = set.CreateWriter(); // this process's own segment, header only: in use

        var summary = FeaturePrecomputer.Run(StoreFixture.Dataset(8), _f.Backbone, store, StoreFixture.Options());

        Assert.Equal(2, set.Segments.Count); // the first run's, and the live one
        Assert.Contains(live.Path, set.Segments);
        Assert.False(File.Exists(tmp));
        Assert.Contains(summary.StoreRepairs, r => r.Contains("removed 2 leftover files"));
        Assert.Equal(8, summary.Reused);
    }
}

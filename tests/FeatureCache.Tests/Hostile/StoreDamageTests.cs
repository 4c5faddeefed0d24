using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;

namespace Graft.FeatureCache.Tests.Hostile;

/// <summary>Damaged caches: deleted or cut segments, a garbage set.json, shard folders that do not belong together.</summary>
public sealed class StoreDamageTests : IDisposable
{
    private readonly StoreFixture _f = new();

    public void Dispose() => _f.Dispose();

    private FeatureStore Filled(string name, int count = 30, int seed = 0, FeatureDType dtype = FeatureDType.Float32, ShardSpec? shard = null, int batch = 4)
    {
        var store = FeatureStore.OpenOrCreate(_f.File(name));
        FeaturePrecomputer.Run(StoreFixture.Dataset(count, seed, root: $"/data{seed}"), _f.Backbone, store,
            StoreFixture.Options(batch) with { DType = dtype, Shard = shard ?? ShardSpec.All });
        return store;
    }

    [Fact]
    public void MissingFeatures_SegmentCutShort_RefusesWithCountsPerSplitAndTheRepair()
    {
        var set = Filled("cache").Select();
        var segment = set.Segments.Single();
        using (var s = new FileStream(segment, FileMode.Open)) s.SetLength(s.Length - 10); // the last block torn
        var manifest = set.LoadManifest();
        var read = set.ReadSplits(manifest);

        var e = Assert.Throws<GraftException>(() => MissingFeatures.Check(set, manifest, read, allow: false));

        Assert.Equal(2, read.Missing.Count); // the last block held the 2 last images (30 = 7 × 4 + 2)
        var perSplit = read.Missing.GroupBy(m => m.Split).ToDictionary(g => g.Key, g => g.Count());
        var expected = string.Join(", ", new[] { "train", "validation", "test" }.Where(perSplit.ContainsKey).Select(s =>
            $"{s} {perSplit[s]} of {manifest.Items.Count(i => i.Split == s)}"));
        Assert.Contains($"lacks features for 2 of 30 images ({expected}; e.g. ", e.Message);
        Assert.Contains("cut off", e.Message);
        Assert.Contains($"graft precompute --data /data0 --cache {_f.File("cache")} --backbone tiny", e.Hint);
        Assert.Contains("--allow-missing", e.Hint);
        MissingFeatures.Check(set, manifest, read, allow: true); // allowed: no exception
    }

    [Fact]
    public void MissingSegments_DeletedSegmentsAreNamedAndPrecomputeRepairsThem()
    {
        var store = Filled("cache", batch: 4);
        var set = store.Select();
        var manifest = set.LoadManifest();
        var segment = set.Segments.Single();
        File.Delete(segment);

        Assert.Equal([Path.GetFileName(segment)], set.MissingSegments(manifest));
        var e = Assert.Throws<GraftException>(() => MissingFeatures.Check(set, manifest, set.ReadSplits(manifest), allow: false));
        Assert.Contains($"segment {Path.GetFileName(segment)} deleted", e.Message);
        Assert.Contains("lacks features for 30 of 30 images", e.Message);

        var rerun = FeaturePrecomputer.Run(StoreFixture.Dataset(30, root: "/data0"), _f.Backbone, store, StoreFixture.Options());
        Assert.Equal(30, rerun.Computed);
        Assert.Empty(set.MissingSegments(set.LoadManifest()));
        Assert.Empty(set.ReadSplits(set.LoadManifest()).Missing);
    }

    [Fact]
    public void GarbageSetJson_ReadersGetExit2WithAHint_PrecomputeRewritesIt()
    {
        var store = Filled("cache");
        var set = store.Select();
        File.WriteAllText(Path.Combine(set.Directory, "set.json"), "\0\0garbage{");

        var e = Assert.Throws<GraftException>(() => store.Select());
        Assert.False(e.Interrupted);
        Assert.Contains("damaged set.json", e.Message);
        Assert.Contains("Rerun the graft precompute", e.Hint);

        var rerun = FeaturePrecomputer.Run(StoreFixture.Dataset(30, root: "/data0"), _f.Backbone, store, StoreFixture.Options());
        Assert.Equal(30, rerun.Reused);
        Assert.Contains(rerun.StoreRepairs, r => r.Contains("set.json was damaged"));
        Assert.Equal(set.Id, store.Select().Id);
        Assert.Empty(store.Select().ReadSplits(store.Select().LoadManifest()).Missing);
    }

    [Fact]
    public void Merge_ShardsOfOneDataset_FormTheSameSetAsOneRun()
    {
        Filled("s0", shard: new ShardSpec(0, 2));
        Filled("s1", shard: new ShardSpec(1, 2));
        Filled("whole");

        var summary = FeatureMerge.Merge([_f.File("s0"), _f.File("s1")], _f.File("merged"));

        Assert.Equal(2, summary.ManifestsCopied);
        Assert.Equal(2, summary.SegmentsCopied);
        StoreFixture.AssertSame(StoreFixture.ReadAll(FeatureStore.Open(_f.File("whole"))), StoreFixture.ReadAll(FeatureStore.Open(_f.File("merged"))));
        Assert.Empty(summary.MissingShards);
        Assert.Empty(summary.Duplicates);
    }

    [Fact]
    public void Merge_OneShardMissingAndOneTwice_SaysSo()
    {
        Filled("s0", shard: new ShardSpec(0, 3));
        Filled("s1", shard: new ShardSpec(1, 3));
        CopyFolder(_f.File("s1"), _f.File("s1-copy"));

        var summary = FeatureMerge.Merge([_f.File("s0"), _f.File("s1"), _f.File("s1-copy")], _f.File("merged"));

        var missing = Assert.Single(summary.MissingShards);
        Assert.Contains("shards 2/3 are missing", missing);
        var duplicate = Assert.Single(summary.Duplicates);
        Assert.Contains("shard 1/3", duplicate);
        Assert.Throws<GraftException>(() => FeatureStore.Open(_f.File("merged")).Select().LoadManifest()); // not usable until shard 2 is in
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to));
    }

    [Fact]
    public void Merge_ShardsOfTwoDatasets_IsRefusedAndCopiesNothing()
    {
        Filled("s0", seed: 0, shard: new ShardSpec(0, 2));
        var other = FeatureStore.OpenOrCreate(_f.File("s1"));
        var different = new ImageDataset("/other", DatasetFormat.Folder, ["a", "b"],
            StoreFixture.Dataset(31, seed: 100).Items, "test"); // another dataset: other images, one more
        FeaturePrecomputer.Run(different, _f.Backbone, other, StoreFixture.Options() with { Shard = new ShardSpec(1, 2) });

        var e = Assert.Throws<GraftException>(() => FeatureMerge.Merge([_f.File("s0"), _f.File("s1")], _f.File("merged")));

        Assert.Contains("two different datasets", e.Message);
        Assert.Contains("/data0", e.Message);
        Assert.Contains("/other", e.Message);
        Assert.Empty(Directory.GetFiles(_f.File("merged"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("graft-cache.json") && !f.Contains(".merge.lock")));
    }

    [Fact]
    public void Merge_ShardsOfOneDatasetInDifferentDtypes_IsRefusedNamingTheDtype()
    {
        Filled("s0", shard: new ShardSpec(0, 2));
        Filled("s1", dtype: FeatureDType.Float16, shard: new ShardSpec(1, 2));

        var e = Assert.Throws<GraftException>(() => FeatureMerge.Merge([_f.File("s0"), _f.File("s1")], _f.File("merged")));

        Assert.Contains("the dtype differs (float32 vs float16)", e.Message);
    }

    [Fact]
    public void LoadManifest_ShardFoldersOfTwoDatasetsCopiedTogether_IsRefused()
    {
        Filled("s0", seed: 0, shard: new ShardSpec(0, 2));
        var s1 = Filled("s1", count: 31, seed: 7, shard: new ShardSpec(1, 2)); // another dataset: one more image
        var set0 = FeatureStore.Open(_f.File("s0")).Select();
        foreach (var f in Directory.GetFiles(s1.Select().Directory, "*-of-2.json").Concat(s1.Select().Segments))
            File.Copy(f, Path.Combine(set0.Directory, Path.GetFileName(f)));

        var e = Assert.Throws<GraftException>(() => set0.LoadManifest());
        Assert.Contains("come from different datasets", e.Message);
    }
}

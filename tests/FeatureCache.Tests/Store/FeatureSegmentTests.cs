using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Store;
using Graft.FeatureCache.Tests.Fixtures;

namespace Graft.FeatureCache.Tests.Store;

public sealed class FeatureSegmentTests : IDisposable
{
    private readonly TempDir _dir = new("seg");

    public void Dispose() => _dir.Dispose();

    internal static FeatureSetSpec Spec(int dim = 4, FeatureDType dtype = FeatureDType.Float32, string preprocess = "p") => new()
    {
        BackboneName = "tiny",
        ModelSha256 = new string('a', 64),
        InputName = "input",
        OutputName = "features",
        Pooling = OutputPooling.InGraph,
        Dimension = dim,
        Preprocess = preprocess,
        DType = dtype,
    };

    internal static byte[] Hashes(params int[] seeds)
    {
        var bytes = new byte[seeds.Length * 32];
        for (var i = 0; i < seeds.Length; i++)
            System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(seeds[i]), bytes.AsSpan(i * 32, 32));
        return bytes;
    }

    private static float[] Features(int count, int dim, int offset = 0) =>
        Enumerable.Range(0, count * dim).Select(i => (float)(i + offset) / 7f - 3f).ToArray();

    private static Dictionary<ContentHash, float[]> ReadAll(FeatureSet set, out FeatureIndex health)
    {
        var manifest = new DatasetManifest
        {
            ShardIndex = 0, ShardCount = 1, DatasetRoot = "/x", DatasetFormat = "Folder", SplitSource = "s",
            ClassNames = ["a"], CreatedUtc = DateTime.UtcNow,
            Items = set.ScanIndex().Hashes.Select((h, i) => new ManifestEntry($"img{i}", "train", 0, h.ToString())).ToList(),
        };
        var read = set.ReadSplits(manifest);
        health = read.Health;
        var train = read.Splits[Datasets.Split.Train];
        var ids = manifest.Items.ToDictionary(m => m.Id, m => ContentHash.Parse(m.Sha256!));
        return Enumerable.Range(0, train.Count).ToDictionary(i => ids[train.Ids[i]], i => train.Row(i).ToArray());
    }

    [Fact]
    public void Append_ThenRead_ReturnsExactFloat32Values()
    {
        var set = FeatureStore.OpenOrCreate(_dir.Path).GetOrCreate(Spec());
        var features = Features(3, 4);
        using (var w = set.CreateWriter()) w.Append(Hashes(1, 2, 3), features);

        var all = ReadAll(set, out var health);

        Assert.Equal(3, all.Count);
        var h2 = ContentHash.Read(Hashes(2));
        Assert.Equal(features.AsSpan(4, 4).ToArray(), all[h2]);
        Assert.Empty(health.Damage);
        Assert.Equal(0, health.TornBytes);
    }

    [Fact]
    public void Append_Float16_ReadsBackWithinHalfPrecision()
    {
        var set = FeatureStore.OpenOrCreate(_dir.Path).GetOrCreate(Spec(dtype: FeatureDType.Float16));
        var features = Features(2, 4);
        using (var w = set.CreateWriter()) w.Append(Hashes(5, 6), features);

        var all = ReadAll(set, out _);
        var got = all[ContentHash.Read(Hashes(6))];

        for (var j = 0; j < 4; j++) Assert.Equal(features[4 + j], got[j], Math.Abs(features[4 + j]) * 1e-3 + 1e-4);
        var segment = new FileInfo(set.Segments.Single());
        Assert.Equal(48 + 24 + 2 * (32 + 4 * 2), segment.Length);
    }

    [Fact]
    public void Scan_TornLastBlock_IsIgnoredAndEarlierBlocksKept()
    {
        var set = FeatureStore.OpenOrCreate(_dir.Path).GetOrCreate(Spec());
        using (var w = set.CreateWriter())
        {
            w.Append(Hashes(1, 2), Features(2, 4));
            w.Append(Hashes(3, 4), Features(2, 4, 100));
        }
        var path = set.Segments.Single();
        var full = new FileInfo(path).Length;
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(full - 10); // a kill in the middle of block 2

        var index = set.ScanIndex();

        Assert.Equal(2, index.Records);
        Assert.Contains(ContentHash.Read(Hashes(1)), index.Hashes);
        Assert.DoesNotContain(ContentHash.Read(Hashes(3)), index.Hashes);
        Assert.Equal(24 + 2 * (32 + 16) - 10, index.TornBytes);
        Assert.Empty(index.Damage);
    }

    [Fact]
    public void Scan_FlippedByteInPayload_ReportsDamageAndSkipsOnlyThatBlock()
    {
        var set = FeatureStore.OpenOrCreate(_dir.Path).GetOrCreate(Spec());
        using (var w = set.CreateWriter())
        {
            w.Append(Hashes(1, 2), Features(2, 4));
            w.Append(Hashes(3), Features(1, 4, 50));
            w.Append(Hashes(4), Features(1, 4, 60));
        }
        var path = set.Segments.Single();
        var bytes = File.ReadAllBytes(path);
        var secondBlockPayload = 48 + 24 + 2 * 48 + 24;
        bytes[secondBlockPayload + 40] ^= 0x01; // one bit of a feature value in block 2
        File.WriteAllBytes(path, bytes);

        var all = ReadAll(set, out var health);

        Assert.Single(health.Damage);
        Assert.Contains("fails its checksum", health.Damage[0]);
        Assert.Equal(3, all.Count);
        Assert.False(all.ContainsKey(ContentHash.Read(Hashes(3))));
        Assert.True(all.ContainsKey(ContentHash.Read(Hashes(4))));
    }

    [Fact]
    public void Scan_SegmentOfAnotherSet_IsReportedNotTrusted()
    {
        var store = FeatureStore.OpenOrCreate(_dir.Path);
        var a = store.GetOrCreate(Spec(preprocess: "a"));
        var b = store.GetOrCreate(Spec(preprocess: "b"));
        Assert.NotEqual(a.Id, b.Id);
        using (var w = a.CreateWriter()) w.Append(Hashes(1), Features(1, 4));
        File.Copy(a.Segments.Single(), Path.Combine(b.Directory, Path.GetFileName(a.Segments.Single())));

        var index = b.ScanIndex();

        Assert.Empty(index.Hashes);
        Assert.Contains($"belongs to feature set {a.Id}", index.Damage.Single());
    }

    [Fact]
    public void Writer_DiskFullMidBlock_TruncatesBackToLastCompleteBlock()
    {
        var set = FeatureStore.OpenOrCreate(_dir.Path).GetOrCreate(Spec());
        var limit = 48 + 24 + 2 * 48 + 30; // room for the header, block 1 and part of block 2
        var w = set.CreateWriter(open: p => new FullDiskStream(p, limit));
        w.Append(Hashes(1, 2), Features(2, 4));

        var e = Assert.Throws<IOException>(() => w.Append(Hashes(3, 4), Features(2, 4)));
        w.Dispose();

        Assert.Contains("No space left", e.Message);
        Assert.Equal(48 + 24 + 2 * 48, new FileInfo(set.Segments.Single()).Length);
        var index = set.ScanIndex();
        Assert.Equal(2, index.Records);
        Assert.Equal(0, index.TornBytes);
        Assert.Empty(index.Damage);
    }

    [Fact]
    public void Writer_NothingAppended_LeavesNoFile()
    {
        var set = FeatureStore.OpenOrCreate(_dir.Path).GetOrCreate(Spec());
        using (set.CreateWriter()) { }
        Assert.Empty(set.Segments);
    }

    [Fact]
    public void OpenOrCreate_NonEmptyForeignFolder_ThrowsGraftException()
    {
        File.WriteAllText(_dir.File("notes.txt"), "mine");
        var e = Assert.Throws<GraftException>(() => FeatureStore.OpenOrCreate(_dir.Path));
        Assert.Contains("not a Graft feature cache", e.Message);
    }
}

/// <summary>A file stream that fails like a full disk once <paramref name="limit"/> bytes are in the file.</summary>
internal sealed class FullDiskStream(string path, long limit) : FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 1)
{
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var room = (int)Math.Max(0, limit - Position);
        if (buffer.Length > room)
        {
            base.Write(buffer[..room]);
            throw new IOException("No space left on device");
        }
        base.Write(buffer);
    }
}

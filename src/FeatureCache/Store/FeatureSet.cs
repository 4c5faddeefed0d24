using System.Runtime.InteropServices;
using System.Text.Json;
using Graft.FeatureCache.Datasets;

namespace Graft.FeatureCache.Store;

/// <summary>
/// One folder of a feature cache: features made by one backbone with one preprocessing and dtype
/// (<see cref="FeatureSetSpec"/>), in append-only segments written by any number of processes, plus the dataset
/// manifests of the shards that filled it. Shards computed into separate folders are combined with
/// <see cref="FeatureMerge"/> (<c>graft features merge</c>), which checks they belong together.
/// </summary>
public sealed class FeatureSet
{
    internal const string SpecFile = "set.json";

    /// <summary>The descriptor the features were computed with, model path made absolute.</summary>
    internal const string BackboneFile = "backbone.json";

    internal FeatureSet(string directory, FeatureSetSpec spec)
    {
        Directory = directory;
        Spec = spec;
    }

    public string Directory { get; }
    public FeatureSetSpec Spec { get; }
    public string Id => Spec.Id;

    /// <summary>
    /// The descriptor these features were computed with, as precompute kept it; null when none was kept (caches made
    /// before it was) or it cannot be read. A backbone given as a bare .onnx with flags, or a quantized or float16
    /// copy in another folder, is in no catalog: this is how train-head, fine-tune, predict and export find it again.
    /// Callers still check the model file's hash against <see cref="Spec"/>.
    /// </summary>
    public Backbones.BackboneDescriptor? Backbone
    {
        get
        {
            var path = Path.Combine(Directory, BackboneFile);
            if (!File.Exists(path)) return null;
            try { return Backbones.BackboneDescriptor.Load(path); }
            catch (Exception e) when (e is GraftException or IOException or JsonException) { return null; }
        }
    }

    /// <summary>Keeps <paramref name="backbone"/> as <see cref="Backbone"/> unless one is kept already.</summary>
    internal void KeepBackbone(Backbones.BackboneDescriptor backbone)
    {
        var path = Path.Combine(Directory, BackboneFile);
        if (!File.Exists(path)) AtomicFile.Write(path, tmp => backbone.WithAbsolutePaths().Save(tmp));
    }

    /// <summary>Segment files, in name order (names start with a UTC timestamp).</summary>
    public IReadOnlyList<string> Segments =>
        System.IO.Directory.EnumerateFiles(Directory, "seg-*.gfs").Order(StringComparer.Ordinal).ToList();

    /// <summary>Opens a new segment for this process. <paramref name="flushToDisk"/> fsyncs every block (survives power
    /// loss, not only a killed process).</summary>
    public FeatureSegmentWriter CreateWriter(bool flushToDisk = true, Func<string, FileStream>? open = null)
    {
        var name = $"seg-{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{Sanitize(Environment.MachineName)}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.gfs";
        return new FeatureSegmentWriter(Path.Combine(Directory, name), Id, Spec.Dimension, Spec.DType, flushToDisk, open);
    }

    /// <summary>Verifies every segment and returns the content hashes present, with what was found wrong.</summary>
    public FeatureIndex ScanIndex()
    {
        var index = new FeatureIndex();
        var recordSize = SegmentFormat.RecordSize(Spec.Dimension, Spec.DType);
        foreach (var segment in Segments)
        {
            var scan = FeatureSegmentReader.Scan(segment, Id, Spec.Dimension, Spec.DType, (payload, count) =>
            {
                for (var i = 0; i < count; i++)
                    index.Hashes.Add(ContentHash.Read(payload.Slice(i * recordSize, ContentHash.Size)));
            });
            index.Add(scan);
        }
        return index;
    }

    /// <summary>Writes (atomically replaces) the manifest of one shard.</summary>
    public void WriteManifest(DatasetManifest manifest)
    {
        AtomicFile.Write(Path.Combine(Directory, manifest.FileName), tmp =>
        {
            using var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write);
            JsonSerializer.Serialize(stream, manifest, DatasetManifest.Json);
            stream.Flush(true);
        });
    }

    /// <summary>Segments that hold at least one block (longer than their header), by file name.</summary>
    public IReadOnlyList<string> NonEmptySegmentNames() =>
        Segments.Where(s => new FileInfo(s).Length > SegmentFormat.HeaderSize).Select(System.IO.Path.GetFileName).OfType<string>().ToList();

    /// <summary>Segments <paramref name="manifest"/> recorded that are no longer in the folder (deleted by hand, lost in a
    /// copy).</summary>
    public IReadOnlyList<string> MissingSegments(DatasetManifest manifest)
    {
        if (manifest.Segments is null) return [];
        var present = Segments.Select(System.IO.Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        return manifest.Segments.Where(s => !present.Contains(s)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The dataset this set holds: the newest complete group of shard manifests (all of 0..N−1 present for one N),
    /// merged. Throws <see cref="GraftException"/> when no precompute has finished or shards are missing.
    /// </summary>
    public DatasetManifest LoadManifest()
    {
        var manifests = new List<(DatasetManifest M, DateTime Time)>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "manifest-*-of-*.json"))
        {
            try
            {
                var m = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(file), DatasetManifest.Json);
                if (m is not null && m.Format == DatasetManifest.FormatName) manifests.Add((m, File.GetLastWriteTimeUtc(file)));
            }
            catch (JsonException e)
            {
                throw new GraftException($"Manifest '{file}' is damaged: {e.Message}", "Rerun the precompute command that wrote it.");
            }
        }
        if (manifests.Count == 0)
            throw new GraftException($"Feature set {Id} in '{Directory}' has no finished precompute run.",
                "Run graft precompute to the end (it resumes where it stopped).");

        var groups = manifests.GroupBy(m => m.M.ShardCount)
            .Select(g => (Count: g.Key, Members: g.GroupBy(x => x.M.ShardIndex).Select(s => s.MaxBy(x => x.Time)).ToList()))
            .ToList();
        var complete = groups.Where(g => g.Members.Count == g.Count && g.Members.All(m => m.M.ShardIndex < g.Count)).ToList();
        if (complete.Count == 0)
        {
            var g = groups.MaxBy(x => x.Members.Count);
            var missing = Enumerable.Range(0, g.Count).Except(g.Members.Select(m => m.M.ShardIndex));
            throw new GraftException($"Feature set {Id}: shards {string.Join(", ", missing.Select(i => $"{i}/{g.Count}"))} have not finished.",
                "Run graft precompute --shard I/N for each missing shard (or copy their cache folders in).");
        }
        var best = complete.MaxBy(g => g.Members.Max(m => m.Time));
        var parts = best.Members.OrderBy(m => m.M.ShardIndex).Select(m => m.M).ToList();
        var first = parts[0];
        if (parts.Any(p => !p.ClassNames.SequenceEqual(first.ClassNames)))
            throw new GraftException($"Feature set {Id}: the shard manifests disagree on the class names (different datasets?).",
                "Run all shards on the same dataset, or use separate cache folders.");
        if (parts.Select(p => p.DatasetFingerprint).OfType<string>().Distinct().Count() > 1)
            throw new GraftException(
                $"Feature set {Id}: shards {string.Join(", ", parts.Select(p => $"{p.ShardIndex}/{p.ShardCount} ({p.DatasetRoot}, dataset {Short(p.DatasetFingerprint)})"))} come from different datasets.",
                "Rerun the shards that belong to another dataset (graft precompute --shard I/N) on this one, or keep the caches apart.");
        return first with
        {
            Segments = parts.Any(p => p.Segments is null) ? null : parts.SelectMany(p => p.Segments!).Distinct().ToList(),
            ShardIndex = 0,
            ShardCount = 1,
            CreatedUtc = parts.Max(p => p.CreatedUtc),
            Items = parts.SelectMany(p => p.Items).OrderBy(i => i.Id, StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>
    /// Reads the features of every requested split in one verified pass over the segments, each split into one
    /// contiguous array. Items skipped at precompute time, or whose features are missing or damaged, are left out and
    /// listed in <see cref="SplitReadResult.Missing"/>.
    /// </summary>
    public SplitReadResult ReadSplits(DatasetManifest manifest, IReadOnlyCollection<Split>? splits = null)
    {
        splits ??= [Split.Train, Split.Validation, Split.Test];
        var wanted = new Dictionary<ContentHash, List<(int Split, int Row)>>();
        var perSplit = new List<ManifestEntry>[3];
        for (var s = 0; s < 3; s++) perSplit[s] = [];
        foreach (var item in manifest.Items)
        {
            if (item.Sha256 is null || !SplitNames.TryParse(item.Split, out var split) || !splits.Contains(split)) continue;
            var list = perSplit[(int)split];
            var hash = ContentHash.Parse(item.Sha256);
            if (!wanted.TryGetValue(hash, out var targets)) wanted[hash] = targets = [];
            targets.Add(((int)split, list.Count));
            list.Add(item);
        }

        var dim = Spec.Dimension;
        // Every row is either filled from a verified record or compacted away below, so zeroing the arrays first would
        // only cost time (page faults on ~160 MB for 10 000 × 4032 features).
        var arrays = perSplit.Select(l => GC.AllocateUninitializedArray<float>(l.Count * dim)).ToArray();
        var filled = perSplit.Select(l => new bool[l.Count]).ToArray();
        var recordSize = SegmentFormat.RecordSize(dim, Spec.DType);
        var index = new FeatureIndex();
        foreach (var segment in Segments)
        {
            var scan = FeatureSegmentReader.Scan(segment, Id, dim, Spec.DType, (payload, count) =>
            {
                for (var i = 0; i < count; i++)
                {
                    var record = payload.Slice(i * recordSize, recordSize);
                    if (!wanted.TryGetValue(ContentHash.Read(record), out var targets)) continue;
                    foreach (var (s, row) in targets)
                    {
                        if (filled[s][row]) continue;
                        var dst = arrays[s].AsSpan(row * dim, dim);
                        var src = record[ContentHash.Size..];
                        if (Spec.DType == FeatureDType.Float32)
                            MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
                        else
                            System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(src), dst);
                        filled[s][row] = true;
                    }
                }
            });
            index.Add(scan);
        }

        var result = new Dictionary<Split, SplitFeatures>();
        var missing = new List<ManifestEntry>();
        foreach (var split in splits)
        {
            var s = (int)split;
            var items = perSplit[s];
            var keep = Enumerable.Range(0, items.Count).Where(r => filled[s][r]).ToArray();
            missing.AddRange(Enumerable.Range(0, items.Count).Where(r => !filled[s][r]).Select(r => items[r]));
            var features = arrays[s];
            if (keep.Length != items.Count)
            {
                features = GC.AllocateUninitializedArray<float>(keep.Length * dim);
                for (var k = 0; k < keep.Length; k++) arrays[s].AsSpan(keep[k] * dim, dim).CopyTo(features.AsSpan(k * dim, dim));
            }
            result[split] = new SplitFeatures(split, dim, features,
                keep.Select(r => items[r].Label).ToArray(), keep.Select(r => items[r].Id).ToArray());
        }
        return new SplitReadResult(result, missing, index);
    }

    private static string Short(string? fingerprint) => fingerprint is null ? "unknown" : fingerprint[..Math.Min(12, fingerprint.Length)];

    private static string Sanitize(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').Take(24).ToArray());
}

/// <summary>Content hashes present in a feature set, and the health of its segments.</summary>
public sealed class FeatureIndex
{
    public HashSet<ContentHash> Hashes { get; } = [];
    public long Records { get; private set; }
    public long TornBytes { get; private set; }
    public int Segments { get; private set; }
    public List<string> Damage { get; } = [];

    /// <summary>What each segment held, in scan order.</summary>
    public List<SegmentScan> Scans { get; } = [];

    internal void Add(SegmentScan scan)
    {
        Scans.Add(scan);
        Segments++;
        Records += scan.Records;
        TornBytes += scan.TornBytes;
        Damage.AddRange(scan.Damage);
    }
}

/// <summary>Features per split, the manifest items that have none, and what the read found in the segments.</summary>
public sealed record SplitReadResult(IReadOnlyDictionary<Split, SplitFeatures> Splits, IReadOnlyList<ManifestEntry> Missing, FeatureIndex Health);

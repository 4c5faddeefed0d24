using System.Text.Json;

namespace Graft.FeatureCache.Store;

/// <summary>
/// Combines the cache folders of shards computed apart (<c>graft features merge SRC... --into DEST</c>) after checking
/// that they belong together, instead of copying folders by hand: every shard manifest of one feature set must come
/// from the same dataset (<see cref="DatasetManifest.DatasetFingerprint"/>), every segment header must name the set it
/// is filed under, and shards of one dataset spread over different feature sets (another backbone model, preprocessing,
/// dtype or decoder) are refused with the field that differs, since they could never form a complete set. Nothing is
/// copied unless everything checks out. Files are copied through temporary names, under DEST's merge lock.
/// </summary>
public static class FeatureMerge
{
    public static MergeSummary Merge(IReadOnlyList<string> sources, string destination)
    {
        if (sources.Count == 0) throw new GraftException("Nothing to merge.", "Name at least one source cache: graft features merge SRC... --into DEST.");
        var stores = sources.Select(s => FeatureStore.Open(s)).ToList();
        var dest = FeatureStore.OpenOrCreate(destination);
        if (stores.Any(s => s.Root == dest.Root)) throw new GraftException($"'{dest.Root}' is both a source and the destination.");
        using var mergeLock = FileLock.Acquire(Path.Combine(dest.Root, ".merge.lock"));

        var all = stores.Select(s => (Origin: s.Root, Sets: s.Sets)).Append((Origin: dest.Root, Sets: dest.Sets)).ToList();
        var manifests = all.SelectMany(o => o.Sets.SelectMany(set => ReadManifests(set).Select(m => new Found(o.Origin, set, m.Manifest, m.File)))).ToList();
        CheckOneDatasetPerSet(manifests);
        CheckNoDatasetSplitAcrossSets(manifests);
        foreach (var (origin, sets) in all.Take(stores.Count))
            foreach (var set in sets)
                foreach (var segment in set.Segments)
                    CheckSegment(origin, set, segment);

        int segments = 0, manifestsCopied = 0;
        long bytes = 0;
        foreach (var (_, sets) in all.Take(stores.Count))
        {
            foreach (var set in sets)
            {
                var target = dest.GetOrCreate(set.Spec);
                foreach (var segment in set.Segments)
                {
                    var to = Path.Combine(target.Directory, Path.GetFileName(segment));
                    var length = new FileInfo(segment).Length;
                    if (File.Exists(to) && new FileInfo(to).Length >= length) continue; // the same writer's file, already here
                    AtomicFile.Copy(segment, to);
                    segments++;
                    bytes += length;
                }
            }
        }
        // Per shard, the newest manifest wins (a rerun of a shard replaces its older manifest).
        foreach (var m in manifests.Where(m => m.Origin != dest.Root).GroupBy(m => (m.Set.Id, m.Manifest.FileName)).Select(g => g.MaxBy(x => x.Manifest.CreatedUtc)!))
        {
            var to = Path.Combine(dest.Root, "sets", m.Set.Id, m.Manifest.FileName);
            var existing = manifests.FirstOrDefault(x => x.Origin == dest.Root && x.Set.Id == m.Set.Id && x.Manifest.FileName == m.Manifest.FileName);
            if (existing is not null && existing.Manifest.CreatedUtc >= m.Manifest.CreatedUtc) continue;
            AtomicFile.Copy(m.File, to);
            manifestsCopied++;
        }
        // What the user must know before training on DEST: the same shard brought by two sources (the newer one was
        // kept), and shards of an N-way split that no source had (the set stays incomplete until they are merged in).
        var duplicates = manifests.Where(m => m.Origin != dest.Root).GroupBy(m => (m.Set.Id, m.Manifest.FileName)).Where(g => g.Count() > 1)
            .Select(g => $"set {g.Key.Id}: shard {g.First().Manifest.ShardIndex}/{g.First().Manifest.ShardCount} came from {string.Join(" and ", g.Select(x => x.Origin))}; the newest was kept")
            .ToList();
        var missing = new List<string>();
        foreach (var set in dest.Sets)
        {
            var present = ReadManifests(set).Select(m => m.Manifest).ToList();
            foreach (var n in present.Select(m => m.ShardCount).Distinct())
            {
                var absent = Enumerable.Range(0, n).Except(present.Where(m => m.ShardCount == n).Select(m => m.ShardIndex)).ToList();
                if (absent.Count > 0) missing.Add($"set {set.Id}: shards {string.Join(", ", absent.Select(i => $"{i}/{n}"))} are missing");
            }
        }
        return new MergeSummary(dest.Root, stores.Count, segments, manifestsCopied, bytes) { Duplicates = duplicates, MissingShards = missing };
    }

    private sealed record Found(string Origin, FeatureSet Set, DatasetManifest Manifest, string File)
    {
        public string Where => $"{Origin} (shard {Manifest.ShardIndex}/{Manifest.ShardCount}, data {Manifest.DatasetRoot})";
    }

    private static IEnumerable<(DatasetManifest Manifest, string File)> ReadManifests(FeatureSet set)
    {
        foreach (var file in Directory.EnumerateFiles(set.Directory, "manifest-*-of-*.json").Order(StringComparer.Ordinal))
        {
            DatasetManifest? m;
            try
            {
                m = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(file), DatasetManifest.Json);
            }
            catch (JsonException e)
            {
                throw new GraftException($"Manifest '{file}' is damaged: {e.Message}", "Rerun the precompute command that wrote it, then merge.");
            }
            if (m is not null && m.Format == DatasetManifest.FormatName) yield return (m, file);
        }
    }

    private static void CheckOneDatasetPerSet(List<Found> manifests)
    {
        foreach (var group in manifests.GroupBy(m => m.Set.Id))
        {
            var classes = group.Select(m => string.Join("\n", m.Manifest.ClassNames)).Distinct().Count();
            var prints = group.Where(m => m.Manifest.DatasetFingerprint is not null).GroupBy(m => m.Manifest.DatasetFingerprint).ToList();
            if (prints.Count <= 1 && classes <= 1) continue;
            var a = prints.Count > 1 ? prints[0].First() : group.First();
            var b = prints.Count > 1 ? prints[1].First() : group.First(m => !m.Manifest.ClassNames.SequenceEqual(a.Manifest.ClassNames));
            throw new GraftException(
                $"Refusing to merge: feature set {group.Key} holds shards of two different datasets: {a.Where} and {b.Where} " +
                (classes > 1 ? "have different classes." : "list different images, labels or splits."),
                "Merge only the shard folders of one precompute (same --data, --split-ratios and --seed), or keep the caches apart.");
        }
    }

    private static void CheckNoDatasetSplitAcrossSets(List<Found> manifests)
    {
        foreach (var group in manifests.Where(m => m.Manifest.DatasetFingerprint is not null && m.Manifest.ShardCount > 1)
                     .GroupBy(m => (m.Manifest.DatasetFingerprint, m.Manifest.ShardCount)))
        {
            var bySet = group.GroupBy(m => m.Set.Id).ToList();
            if (bySet.Count < 2) continue;
            if (bySet.Any(s => s.Select(m => m.Manifest.ShardIndex).Distinct().Count() == group.Key.ShardCount)) continue;
            var a = bySet[0].First();
            var b = bySet[1].First();
            throw new GraftException(
                $"Refusing to merge: shards of one dataset were computed into different feature sets ({a.Where}: set {a.Set.Id}; {b.Where}: set {b.Set.Id}); " +
                $"{Difference(a.Set.Spec, b.Set.Spec)}, so they never form one complete set.",
                "Recompute the odd shards with the same --backbone, preprocessing flags and --dtype as the others.");
        }
    }

    /// <summary>Which field of two specs differs, in words.</summary>
    internal static string Difference(FeatureSetSpec a, FeatureSetSpec b)
    {
        var parts = new List<string>();
        if (!string.Equals(a.ModelSha256, b.ModelSha256, StringComparison.OrdinalIgnoreCase))
            parts.Add($"the backbone model differs ({a.BackboneName} {a.ModelSha256[..Math.Min(12, a.ModelSha256.Length)]}… vs {b.BackboneName} {b.ModelSha256[..Math.Min(12, b.ModelSha256.Length)]}…)");
        if (a.Preprocess != b.Preprocess) parts.Add("the preprocessing differs");
        if (a.DType != b.DType) parts.Add($"the dtype differs ({a.DType.ToName()} vs {b.DType.ToName()})");
        if (a.Decoder != b.Decoder) parts.Add($"the decoder differs ({a.Decoder} vs {b.Decoder})");
        if (a.InputName != b.InputName || a.OutputName != b.OutputName || a.Dimension != b.Dimension || a.Pooling != b.Pooling)
            parts.Add("the backbone's input, output or width differs");
        return parts.Count == 0 ? "their specs differ" : string.Join("; ", parts);
    }

    private static void CheckSegment(string origin, FeatureSet set, string segment)
    {
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        using var stream = new FileStream(segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < SegmentFormat.HeaderSize) return; // an empty leftover; copied, and cleaned by the next precompute
        stream.ReadExactly(header);
        if (SegmentFormat.CheckHeader(header, set.Id, set.Spec.Dimension, set.Spec.DType) is { } problem)
            throw new GraftException($"Refusing to merge: segment '{segment}' of {origin}: {problem}.",
                "Move the file back to the feature set it belongs to, or delete it.");
    }
}

/// <summary>What a merge copied.</summary>
public sealed record MergeSummary(string Destination, int Sources, int SegmentsCopied, int ManifestsCopied, long BytesCopied)
{
    /// <summary>Shards more than one source brought (the newest manifest was kept), one line each.</summary>
    public IReadOnlyList<string> Duplicates { get; init; } = [];

    /// <summary>Shards of an N-way split that the destination still lacks, one line per set; empty when complete.</summary>
    public IReadOnlyList<string> MissingShards { get; init; } = [];
}

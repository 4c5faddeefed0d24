using Graft.FeatureCache.Datasets;

namespace Graft.FeatureCache.Store;

/// <summary>
/// The rule every reader of features follows (train-head, evaluate, finetune, features export): images that the
/// manifest says were computed but whose features are missing or damaged stop the command with one line that says how
/// many per split, which, and how to repair the cache, unless the user passed <c>--allow-missing</c>. Training on a
/// silently smaller set (or a validation split silently replaced by a hold-out) is never an option.
/// </summary>
public static class MissingFeatures
{
    /// <summary>Throws <see cref="GraftException"/> when <paramref name="read"/> lacks rows and <paramref name="allow"/> is false.</summary>
    public static void Check(FeatureSet set, DatasetManifest manifest, SplitReadResult read, bool allow)
    {
        if (read.Missing.Count == 0 || allow) return;
        throw new GraftException(Describe(set, manifest, read), Repair(set, manifest));
    }

    /// <summary>"Feature set X lacks features for 32 of 244 images (train 20 of 200, validation 12 of 44; e.g. …): why."</summary>
    public static string Describe(FeatureSet set, DatasetManifest manifest, SplitReadResult read)
    {
        var expected = manifest.Items.Where(i => i.Sha256 is not null && read.Splits.Keys.Any(s => s.ToName() == i.Split))
            .GroupBy(i => i.Split).ToDictionary(g => g.Key, g => g.Count());
        var missing = read.Missing.GroupBy(i => i.Split).ToDictionary(g => g.Key, g => g.Count());
        var perSplit = string.Join(", ", Enum.GetValues<Split>().Select(s => s.ToName()).Where(missing.ContainsKey)
            .Select(s => $"{s} {missing[s]} of {expected.GetValueOrDefault(s)}"));
        var examples = string.Join(", ", read.Missing.Select(i => i.Id).Order(StringComparer.Ordinal).Take(3));
        var more = read.Missing.Count > 3 ? ", …" : "";
        var why = Why(set, manifest, read);
        return $"Feature set {set.Id} lacks features for {read.Missing.Count} of {expected.Values.Sum()} images ({perSplit}; e.g. {examples}{more}): {why}.";
    }

    /// <summary>The precompute command that recomputes exactly the missing rows.</summary>
    public static string Repair(FeatureSet set, DatasetManifest manifest)
    {
        var cache = System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(set.Directory));
        var dtype = set.Spec.DType == FeatureDType.Float32 ? "" : $" --dtype {set.Spec.DType.ToName()}";
        return $"Repair the cache with graft precompute --data {manifest.DatasetRoot} --cache {cache} --backbone {set.Spec.BackboneName}{dtype} " +
               "(it recomputes only the missing images), or pass --allow-missing to go on without them.";
    }

    private static string Why(FeatureSet set, DatasetManifest manifest, SplitReadResult read)
    {
        var reasons = new List<string>();
        var gone = set.MissingSegments(manifest);
        if (gone.Count > 0) reasons.Add($"segment{(gone.Count > 1 ? "s" : "")} {string.Join(", ", gone.Take(3))}{(gone.Count > 3 ? ", …" : "")} deleted");
        if (read.Health.Damage.Count > 0) reasons.Add($"{read.Health.Damage.Count} damaged block{(read.Health.Damage.Count > 1 ? "s" : "")} ({read.Health.Damage[0]})");
        if (read.Health.TornBytes > 0) reasons.Add($"{read.Health.TornBytes} bytes cut off at a segment's end");
        return reasons.Count > 0 ? string.Join("; ", reasons) : "segments missing or cut short";
    }
}

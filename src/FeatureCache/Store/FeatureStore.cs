using System.Text.Json;

namespace Graft.FeatureCache.Store;

/// <summary>
/// A feature cache folder. Layout:
/// <code>
/// CACHE/graft-cache.json                 marker and format version
/// CACHE/sets/&lt;set id&gt;/set.json          the FeatureSetSpec that names the folder
/// CACHE/sets/&lt;set id&gt;/seg-*.gfs         append-only feature segments (one per precompute process)
/// CACHE/sets/&lt;set id&gt;/manifest-I-of-N.json   images, labels and splits of each finished shard
/// CACHE/sets/&lt;set id&gt;/.precompute-I-of-N.lock   held by the precompute of that shard (FileLock); kept
/// </code>
/// Features are keyed by (set id = model hash + preprocessing + dtype, image content hash); see
/// <see cref="FeatureSetSpec"/> and <see cref="ContentHash"/>.
/// </summary>
public sealed class FeatureStore
{
    private const string MarkerFile = "graft-cache.json";
    private const int FormatVersion = 1;

    private FeatureStore(string root) => Root = root;

    public string Root { get; }

    /// <summary>Opens or creates the cache at <paramref name="root"/>.</summary>
    public static FeatureStore OpenOrCreate(string root)
    {
        root = Path.GetFullPath(root);
        if (File.Exists(root)) throw new GraftException($"Cache path '{root}' is a file, not a folder.");
        var marker = Path.Combine(root, MarkerFile);
        // Another creator's marker can land between the first look and the listing (then its sets folder fills up):
        // the marker is looked for again after the listing, so only a folder that never became a cache is refused.
        if (Directory.Exists(root) && !File.Exists(marker) && Directory.EnumerateFileSystemEntries(root).Any(e => !IsBeingCreated(e))
            && !File.Exists(marker))
            throw new GraftException($"'{root}' is not empty and is not a Graft feature cache.", "Choose a new or empty folder for --cache.");
        // The marker goes first, by rename: another process creating the same cache at this moment (two shards started
        // together) sees either nothing, the marker's temporary file, or the marker — all taken as "a cache".
        Directory.CreateDirectory(root);
        if (!File.Exists(marker))
            AtomicFile.WriteAllText(marker, JsonSerializer.Serialize(new { format = "graft-feature-cache", version = FormatVersion }));
        Directory.CreateDirectory(Path.Combine(root, "sets"));
        return new FeatureStore(root);
    }

    // What a concurrent OpenOrCreate leaves before its marker lands: the marker's temporary file, or (Graft before the
    // marker went first) an empty sets folder.
    private static bool IsBeingCreated(string entry)
    {
        var name = Path.GetFileName(entry);
        if (name.StartsWith(MarkerFile + ".", StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal)) return true;
        return name == "sets" && Directory.Exists(entry) && !Directory.EnumerateFileSystemEntries(entry).Any();
    }

    /// <summary>Opens an existing cache; throws <see cref="GraftException"/> when there is none.</summary>
    public static FeatureStore Open(string root)
    {
        root = Path.GetFullPath(root);
        if (!File.Exists(Path.Combine(root, MarkerFile)))
            throw new GraftException($"'{root}' is not a Graft feature cache.", "Create one with graft precompute --cache DIR.");
        return new FeatureStore(root);
    }

    /// <summary>The feature sets present.</summary>
    public IReadOnlyList<FeatureSet> Sets =>
        Directory.EnumerateDirectories(Path.Combine(Root, "sets"))
            .Select(TryLoad).OfType<FeatureSet>()
            .OrderBy(s => s.Spec.BackboneName, StringComparer.Ordinal).ThenBy(s => s.Id, StringComparer.Ordinal)
            .ToList();

    /// <summary>Returns the set for <paramref name="spec"/>, creating its folder on first use.</summary>
    /// <remarks>A set.json that is damaged (not JSON) or names another set is rewritten from <paramref name="spec"/>: the
    /// folder's name is the hash of the spec, and every segment header repeats the set id, so nothing else can be meant.
    /// <paramref name="notes"/> receives a line when that happened.</remarks>
    public FeatureSet GetOrCreate(FeatureSetSpec spec, ICollection<string>? notes = null)
    {
        var dir = Path.Combine(Root, "sets", spec.Id);
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, FeatureSet.SpecFile);
        var problem = File.Exists(file) ? SpecProblem(file, spec.Id) : "missing";
        if (problem is not null)
        {
            AtomicFile.WriteAllText(file, JsonSerializer.Serialize(spec, Backbones.BackboneDescriptor.JsonOptions));
            if (problem != "missing") notes?.Add($"{Path.GetRelativePath(Root, file)} was {problem}; rewritten from this run's backbone and preprocessing.");
        }
        return new FeatureSet(dir, spec);
    }

    private static string? SpecProblem(string file, string id)
    {
        try
        {
            var spec = JsonSerializer.Deserialize<FeatureSetSpec>(File.ReadAllText(file), Backbones.BackboneDescriptor.JsonOptions);
            return spec is null ? "empty" : spec.Id == id ? null : $"describing set {spec.Id}";
        }
        catch (JsonException e)
        {
            return $"damaged ({e.Message.Split('.')[0]})";
        }
    }

    /// <summary>
    /// Picks the set to read: the only one, or the one whose backbone name, id or set id matches
    /// <paramref name="selector"/>. Throws <see cref="GraftException"/> listing the choices when ambiguous.
    /// </summary>
    public FeatureSet Select(string? selector = null)
    {
        var sets = Sets;
        if (sets.Count == 0) throw new GraftException($"Cache '{Root}' holds no features yet.", "Run graft precompute first.");
        var matches = selector is null
            ? sets
            : sets.Where(s => string.Equals(s.Spec.BackboneName, selector, StringComparison.OrdinalIgnoreCase)
                || string.Equals(s.Spec.BackboneId, selector, StringComparison.OrdinalIgnoreCase)
                || s.Id.StartsWith(selector, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 1) return matches[0];
        var list = string.Join("; ", sets.Select(s => $"{s.Id} ({s.Spec.BackboneName}, {s.Spec.DType.ToName()})"));
        throw matches.Count == 0
            ? new GraftException($"No feature set in '{Root}' matches '{selector}'.", $"Sets present: {list}.")
            : new GraftException($"Cache '{Root}' holds several feature sets.", $"Pick one with --feature-set BACKBONE|ID: {list}.");
    }

    private static FeatureSet? TryLoad(string dir)
    {
        var file = Path.Combine(dir, FeatureSet.SpecFile);
        if (!File.Exists(file)) return null;
        FeatureSetSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<FeatureSetSpec>(File.ReadAllText(file), Backbones.BackboneDescriptor.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new GraftException($"Feature set folder '{dir}' has a damaged set.json ({e.Message.Split('.')[0]}).",
                "Rerun the graft precompute command that filled it (same --backbone and --dtype): it rewrites set.json and keeps the features.");
        }
        if (spec is null || spec.Id != Path.GetFileName(dir))
            throw new GraftException($"Feature set folder '{dir}' does not match its set.json (edited or copied wrongly).",
                "Move the folder back to the name its set.json hashes to, or delete it.");
        return new FeatureSet(dir, spec);
    }

}

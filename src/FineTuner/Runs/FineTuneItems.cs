using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Training;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Runs;

/// <summary>Builds the images of a fine-tuning run from a feature cache's manifest (ids, splits, labels, content hashes
/// as precompute saw them) or straight from a dataset.</summary>
public static class FineTuneItems
{
    /// <summary>
    /// The manifest's items that have features, read from its dataset root. Each read checks the image's content hash
    /// against the manifest, so activations cached under that hash can never belong to a changed file.
    /// </summary>
    public static IReadOnlyList<FineTuneItem> FromManifest(DatasetManifest manifest, DatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (!Enum.TryParse<DatasetFormat>(manifest.DatasetFormat, ignoreCase: true, out var format)) format = DatasetFormat.Auto;
        var dataset = DatasetLoader.Load(manifest.DatasetRoot, (options ?? new DatasetOptions()) with { Format = format });
        var byId = dataset.Items.ToDictionary(i => i.Id, StringComparer.Ordinal);
        var items = new List<FineTuneItem>();
        var missing = new List<string>();
        foreach (var entry in manifest.Items.Where(e => e.Sha256 is not null))
        {
            if (!byId.TryGetValue(entry.Id, out var item))
            {
                missing.Add(entry.Id);
                continue;
            }
            var hash = ContentHash.Parse(entry.Sha256!);
            var split = SplitNames.Parse(entry.Split);
            items.Add(new FineTuneItem(entry.Id, entry.Label, split, hash, () =>
            {
                var data = item.Read();
                if (ContentHash.Of(data) != hash)
                    throw new GraftException($"Image '{entry.Id}' changed since the features were computed.",
                        "Rerun graft precompute on the dataset, then train the head again.");
                return data;
            }));
        }
        if (missing.Count > 0)
            throw new GraftException($"{missing.Count} image(s) of the cache's manifest are no longer in '{manifest.DatasetRoot}' (e.g. '{missing[0]}').",
                "Restore the dataset the cache was computed from, or precompute again.");
        return items;
    }

    /// <summary>Every item of a listed dataset (hashing each image once).</summary>
    public static IReadOnlyList<FineTuneItem> FromDataset(ImageDataset dataset) =>
        dataset.Items.AsParallel().AsOrdered().Select(FineTuneItem.From).ToArray();
}

using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Training;

/// <summary>One labelled image of a fine-tuning run.</summary>
/// <param name="Id">Dataset item id (path relative to the dataset root, or "file#index").</param>
/// <param name="Label">Class index.</param>
/// <param name="Split">Train, validation or test.</param>
/// <param name="Hash">SHA-256 of the image bytes: the per-image key of the boundary cache.</param>
/// <param name="Read">Reads the image bytes.</param>
public sealed record FineTuneItem(string Id, int Label, Split Split, ContentHash Hash, Func<ImageData> Read)
{
    /// <summary>An item of a listed dataset, hashing its bytes once.</summary>
    public static FineTuneItem From(DatasetItem item) => new(item.Id, item.Label, item.Split, ContentHash.Of(item.Read()), item.Read);
}

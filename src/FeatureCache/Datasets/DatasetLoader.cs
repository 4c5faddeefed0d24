namespace Graft.FeatureCache.Datasets;

/// <summary>Lists a dataset from disk in any supported layout (see <see cref="DatasetFormat"/>).</summary>
public static class DatasetLoader
{
    /// <summary>
    /// Detects the layout of <paramref name="path"/> (unless <see cref="DatasetOptions.Format"/> says) and lists its
    /// items. Throws <see cref="GraftException"/> for a missing path, an unrecognised layout or an empty dataset.
    /// </summary>
    public static ImageDataset Load(string path, DatasetOptions? options = null)
    {
        throw new NotImplementedException("Datasets helper implements this.");
    }
}

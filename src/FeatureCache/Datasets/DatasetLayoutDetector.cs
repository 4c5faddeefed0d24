namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Tells the layout of a dataset path for <see cref="DatasetFormat.Auto"/>. Files: a .csv/.tsv is a manifest, an IDX
/// file name means IDX, <c>dataset_info.json</c> or a tfrecord shard means TFDS. Folders, most specific first: TFDS
/// (dataset_info.json in the folder, a version folder or one dataset folder below), IDX (MNIST file names), then a
/// folder per class (some subfolder holds an image file). Anything else is refused with the list of layouts.
/// </summary>
internal static class DatasetLayoutDetector
{
    public static DatasetFormat Detect(string path)
    {
        if (File.Exists(path))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase))
                return DatasetFormat.Csv;
            if (IdxDatasetReader.IsIdxFileName(path)) return DatasetFormat.Idx;
            if (name == TfdsDirectory.InfoFileName || TfdsDatasetReader.IsShardFileName(path)) return DatasetFormat.Tfds;
            throw Unrecognised(path);
        }
        if (TfdsDirectory.TryResolve(path) is not null) return DatasetFormat.Tfds;
        if (IdxDatasetReader.LooksLikeIdx(path)) return DatasetFormat.Idx;
        if (FolderDatasetReader.LooksLikeFolderDataset(path)) return DatasetFormat.Folder;
        throw Unrecognised(path);
    }

    public static GraftException Unrecognised(string path) => new(
        $"Cannot tell the dataset layout of '{path}'. Graft reads: a folder per class (optionally under " +
        "train/validation/test folders); a CSV manifest path,label[,split]; MNIST-style IDX files " +
        "(train-images-idx3-ubyte[.gz] ...); a TFDS prepared directory (dataset_info.json + .tfrecord shards).",
        "Point at one of those, or name the layout with --format folder|csv|idx|tfds.");
}

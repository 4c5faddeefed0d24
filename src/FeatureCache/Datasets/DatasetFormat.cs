namespace Graft.FeatureCache.Datasets;

/// <summary>On-disk dataset layouts Graft reads. <see cref="Auto"/> detects the layout from the path.</summary>
public enum DatasetFormat
{
    Auto = 0,
    /// <summary>A folder per class, optionally under split folders (train, validation|val, test).</summary>
    Folder,
    /// <summary>A CSV manifest <c>path,label[,split]</c>, paths relative to the CSV's folder.</summary>
    Csv,
    /// <summary>MNIST-style IDX files (optionally .gz): train-/t10k- images and labels.</summary>
    Idx,
    /// <summary>A TensorFlow Datasets prepared directory (dataset_info.json + tfrecord shards).</summary>
    Tfds,
}

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// A labelled image dataset as listed from disk: class names (index = label), items with their split, and how the
/// splits were obtained. Class names and their number always come from the data, never from a flag.
/// </summary>
public sealed class ImageDataset
{
    public ImageDataset(string root, DatasetFormat format, IReadOnlyList<string> classNames, IReadOnlyList<DatasetItem> items, string splitSource)
        : this(root, format, classNames, items, splitSource, [])
    {
    }

    public ImageDataset(string root, DatasetFormat format, IReadOnlyList<string> classNames, IReadOnlyList<DatasetItem> items, string splitSource,
        IReadOnlyList<string> warnings)
    {
        Root = root;
        Format = format;
        ClassNames = classNames;
        Items = items;
        SplitSource = splitSource;
        Warnings = warnings ?? throw new ArgumentNullException(nameof(warnings));
    }

    /// <summary>Absolute path the dataset was read from (folder, CSV file, IDX folder or TFDS version folder).</summary>
    public string Root { get; }

    /// <summary>The detected or requested layout (never Auto).</summary>
    public DatasetFormat Format { get; }

    /// <summary>Class names; label i is ClassNames[i]. Sorted ordinally for folders, file order for TFDS/IDX.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>All items in a deterministic order (split, then class, then id).</summary>
    public IReadOnlyList<DatasetItem> Items { get; }

    /// <summary>One line for the log: where the splits came from, e.g. "split folders" or
    /// "stratified 0.8,0.1,0.1 with seed 42".</summary>
    public string SplitSource { get; }

    /// <summary>
    /// Problems found while listing that did not stop it, one line each, for the log (e.g. a TFRecord shard with a
    /// truncated tail, whose later records are missing; a shard count that disagrees with dataset_info.json). Damaged
    /// single items are not here: they stay listed and report themselves when read.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Number of items per split.</summary>
    public int Count(Split split) => Items.Count(i => i.Split == split);
}

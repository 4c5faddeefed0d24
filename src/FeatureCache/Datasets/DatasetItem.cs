namespace Graft.FeatureCache.Datasets;

/// <summary>
/// One labelled image of a dataset. Reading its bytes is deferred (<see cref="Read"/>) so a dataset of a million
/// images is listed without being loaded.
/// </summary>
public sealed class DatasetItem
{
    private readonly Func<ImageData> _read;

    public DatasetItem(string id, int label, Split split, Func<ImageData> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentOutOfRangeException.ThrowIfNegative(label);
        Id = id;
        Label = label;
        Split = split;
        _read = read ?? throw new ArgumentNullException(nameof(read));
    }

    /// <summary>
    /// Stable, unique name of the item within its dataset, with forward slashes: the path relative to the dataset root
    /// for files ("train/ants/1.jpg"), or "file#index" for records inside a container
    /// ("cassava-train.tfrecord-00000-of-00004#17", "train-images-idx3-ubyte.gz#59999"). Shards and reports use it.
    /// </summary>
    public string Id { get; }

    /// <summary>Index into <see cref="ImageDataset.ClassNames"/>.</summary>
    public int Label { get; }

    public Split Split { get; }

    /// <summary>
    /// Reads the image bytes. Throws <see cref="IOException"/> (missing or unreadable file) or
    /// <see cref="InvalidDataException"/> (a damaged container record); the precompute loop records either as a
    /// skipped item with its message, it never aborts the run.
    /// </summary>
    public ImageData Read() => _read();

    public override string ToString() => $"{Id} ({Split.ToName()}, label {Label})";
}

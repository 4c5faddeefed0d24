namespace Graft.FeatureCache.Datasets;

/// <summary>Lists a dataset from disk in any supported layout (see <see cref="DatasetFormat"/>).</summary>
public static class DatasetLoader
{
    /// <summary>
    /// Detects the layout of <paramref name="path"/> (unless <see cref="DatasetOptions.Format"/> says) and lists its
    /// items. Throws <see cref="GraftException"/> for a missing path, an unrecognised layout or an empty dataset.
    /// Items come in a deterministic order: split, then label, then id (ordinal). Nothing is decoded here; IDX pixels
    /// are loaded on the first read, TFRecord shards are scanned once (checksums, labels, offsets).
    /// </summary>
    public static ImageDataset Load(string path, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        if (string.IsNullOrWhiteSpace(path))
            throw new GraftException("No dataset path given.", "Pass the dataset folder or manifest file.");
        var ratios = Validate(options);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full) && !Directory.Exists(full))
            throw new GraftException($"Dataset path '{path}' does not exist.", "Check the spelling, or give an absolute path.");

        var format = options.Format == DatasetFormat.Auto ? DatasetLayoutDetector.Detect(full) : options.Format;
        var listing = format switch
        {
            DatasetFormat.Folder => FolderDatasetReader.Read(full, ratios, options.Seed, options.MaxFileMegabytes),
            DatasetFormat.Csv => CsvManifestReader.Read(full, ratios, options.Seed, options.MaxFileMegabytes),
            DatasetFormat.Idx => IdxDatasetReader.Read(full, options.Splits),
            DatasetFormat.Tfds => TfdsDatasetReader.Read(full, options),
            _ => throw new InvalidOperationException($"Unhandled format {format}."),
        };

        // The folder and CSV readers name the offending folder or line; this catches label files of the other layouts.
        foreach (var name in listing.ClassNames)
            ClassNameRules.Check(name, $"a class of '{path}'", "Fix the dataset's label names: each must be printable text.");

        var items = listing.Items
            .Where(i => options.Splits is null || options.Splits.Contains(i.Split))
            .OrderBy(i => i.Split)
            .ThenBy(i => i.Label)
            .ThenBy(i => i.Id, StringComparer.Ordinal)
            .ToArray();
        if (items.Length == 0)
            throw new GraftException(
                options.Splits is null
                    ? $"Dataset '{path}' holds no images."
                    : $"Dataset '{path}' holds no images in the split(s) {string.Join(", ", options.Splits.Select(s => s.ToName()))}.",
                format == DatasetFormat.Folder
                    ? "Put images (.jpg, .png, ...) in one folder per class, optionally under train/validation/test folders."
                    : "Check that the path points at the dataset you meant.");
        return new ImageDataset(listing.Root, format, listing.ClassNames, items, listing.SplitSource, listing.Warnings);
    }

    /// <summary>Checks the options a user can get wrong; returns the split ratios normalised to sum 1.</summary>
    private static SplitRatios Validate(DatasetOptions options)
    {
        if (!Enum.IsDefined(options.Format))
            throw new GraftException($"Unknown dataset format '{options.Format}'.", "Use --format auto|folder|csv|idx|tfds.");
        var r = options.SplitRatios ?? throw new GraftException("No split ratios given.", "Use e.g. --split-ratios 0.8,0.1,0.1.");
        double[] values = [r.Train, r.Validation, r.Test];
        if (values.Any(v => !double.IsFinite(v) || v < 0) || values.Sum() <= 0)
            throw new GraftException($"Bad split ratios {r.Train},{r.Validation},{r.Test}.",
                "Give three non-negative numbers not all zero, e.g. --split-ratios 0.8,0.1,0.1.");
        if (options.Splits is { Count: 0 })
            throw new GraftException("No splits selected.", "Select at least one of train, validation, test, or leave the selection out for all.");
        if (!double.IsFinite(options.MaxFileMegabytes) || options.MaxFileMegabytes <= 0 || options.MaxFileMegabytes > ImageFileReader.MaxSupportedMegabytes)
            throw new GraftException($"File size limit {options.MaxFileMegabytes} MB is not a number in 0..{ImageFileReader.MaxSupportedMegabytes}.",
                "Give a limit such as 256 (--max-file-megabytes).");
        if (string.IsNullOrWhiteSpace(options.TfdsImageFeature) || string.IsNullOrWhiteSpace(options.TfdsLabelFeature))
            throw new GraftException("TFDS feature names must not be empty.", "The TFDS defaults are 'image' and 'label'.");
        var sum = values.Sum();
        return new SplitRatios(r.Train / sum, r.Validation / sum, r.Test / sum);
    }
}

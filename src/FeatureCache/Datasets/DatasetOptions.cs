namespace Graft.FeatureCache.Datasets;

/// <summary>How to read a dataset. Immutable; validated by <see cref="DatasetLoader.Load"/>.</summary>
public sealed record DatasetOptions
{
    /// <summary>Layout; Auto detects it.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Auto;

    /// <summary>
    /// Fractions for train/validation/test when the data has no split of its own (a folder per class without split
    /// folders, a CSV without a split column). Data that has its own splits keeps them exactly.
    /// </summary>
    public SplitRatios SplitRatios { get; init; } = SplitRatios.Default;

    /// <summary>Seed of the stratified split above. Logged with the dataset, so the split is reproducible.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Which TFDS / IDX split files to read; null means all that exist.</summary>
    public IReadOnlyList<Split>? Splits { get; init; }

    /// <summary>
    /// Largest image file read, in megabytes (1,048,576 bytes): reads stop there, so a huge or endless file
    /// (/dev/zero behind a link) is skipped as TooLarge instead of filling memory. Default as
    /// <see cref="Decoding.DecoderLimits.MaxFileMegabytes"/>.
    /// </summary>
    public double MaxFileMegabytes { get; init; } = Decoding.DecoderLimits.Default.MaxFileMegabytes;

    /// <summary>TFDS only: the bytes feature of each tf.train.Example that holds the encoded image.</summary>
    public string TfdsImageFeature { get; init; } = "image";

    /// <summary>TFDS only: the int64 feature of each tf.train.Example that holds the class index.</summary>
    public string TfdsLabelFeature { get; init; } = "label";
}

/// <summary>Train/validation/test fractions of a stratified split.</summary>
public sealed record SplitRatios(double Train, double Validation, double Test)
{
    /// <summary>0.8 / 0.1 / 0.1.</summary>
    public static SplitRatios Default { get; } = new(0.8, 0.1, 0.1);

    /// <summary>Parses "0.8,0.1,0.1" (or "80,10,10", normalised); throws <see cref="GraftException"/> on bad input.</summary>
    public static SplitRatios Parse(string text)
    {
        var parts = text.Split([',', '/', ':'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3
            || !double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var a)
            || !double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var b)
            || !double.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out var c)
            || a < 0 || b < 0 || c < 0 || a + b + c <= 0 || double.IsNaN(a + b + c))
            throw new GraftException($"Bad split ratios '{text}'.", "Give three non-negative numbers, e.g. --split-ratios 0.8,0.1,0.1.");
        var sum = a + b + c;
        return new SplitRatios(a / sum, b / sum, c / sum);
    }

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Train:0.###},{Validation:0.###},{Test:0.###}");
}

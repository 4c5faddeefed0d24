using Graft.FeatureCache.Datasets;

namespace Graft.FeatureCache.Store;

/// <summary>
/// All features of one split in one contiguous row-major array (row i = image i, <see cref="Dimension"/> floats),
/// with labels and ids in the same order — what a head trainer consumes.
/// </summary>
public sealed class SplitFeatures
{
    public SplitFeatures(Split split, int dimension, float[] features, int[] labels, string[] ids)
    {
        if (features.Length != (long)labels.Length * dimension || ids.Length != labels.Length)
            throw new ArgumentException("Features, labels and ids disagree in length.");
        Split = split;
        Dimension = dimension;
        Features = features;
        Labels = labels;
        Ids = ids;
    }

    public Split Split { get; }
    public int Dimension { get; }
    public int Count => Labels.Length;

    /// <summary>Count × Dimension float32 values, row-major.</summary>
    public float[] Features { get; }
    public int[] Labels { get; }
    public string[] Ids { get; }

    /// <summary>Row <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Row(int i) => Features.AsSpan(i * Dimension, Dimension);
}

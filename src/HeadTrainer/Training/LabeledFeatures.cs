namespace Graft.HeadTrainer.Training;

/// <summary>
/// Features and 0-based class labels of one split, as the head trainers consume them: <see cref="Features"/> holds
/// <see cref="Count"/> rows of <see cref="Dimension"/> float32 values, row-major; <see cref="Ids"/> are the manifest ids
/// (image paths) in the same order.
/// </summary>
public sealed class LabeledFeatures
{
    public LabeledFeatures(int dimension, float[] features, int[] labels, string[]? ids = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (features.LongLength != (long)labels.Length * dimension)
            throw new ArgumentException($"{features.LongLength} feature values are not {labels.Length} rows of {dimension}.");
        if (ids is not null && ids.Length != labels.Length) throw new ArgumentException("Ids and labels differ in length.");
        Dimension = dimension;
        Features = features;
        Labels = labels;
        Ids = ids ?? Enumerable.Range(0, labels.Length).Select(i => $"#{i}").ToArray();
    }

    public int Dimension { get; }
    public float[] Features { get; }
    public int[] Labels { get; }
    public string[] Ids { get; }
    public int Count => Labels.Length;

    /// <summary>Row <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Row(int i) => Features.AsSpan((int)((long)i * Dimension), Dimension);

    /// <summary>The rows <paramref name="rows"/>, in that order, as a new set.</summary>
    public LabeledFeatures Take(IReadOnlyList<int> rows)
    {
        var features = new float[(long)rows.Count * Dimension];
        for (var k = 0; k < rows.Count; k++) Row(rows[k]).CopyTo(features.AsSpan((int)((long)k * Dimension), Dimension));
        return new LabeledFeatures(Dimension, features, rows.Select(r => Labels[r]).ToArray(), rows.Select(r => Ids[r]).ToArray());
    }

    /// <summary>An empty set of the same width.</summary>
    public static LabeledFeatures Empty(int dimension) => new(dimension, [], []);
}

using Graft.FeatureCache.Decoding;

namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>How <see cref="DatasetInspector"/> samples a dataset. Immutable; validated by the inspector.</summary>
public sealed record InspectOptions
{
    /// <summary>Images decoded for the size statistics and the readability check (the whole dataset when smaller).
    /// 200 decodes take about a second.</summary>
    public int SampleSize { get; init; } = 200;

    /// <summary>Seed of the sample, so two inspections of the same dataset look at the same images.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Caps applied while decoding the sample, as in the real run.</summary>
    public DecoderLimits DecoderLimits { get; init; } = DecoderLimits.Default;

    public static InspectOptions Default { get; } = new();

    /// <summary>Throws <see cref="GraftException"/> for a negative sample size or bad decoder limits.</summary>
    public void Validate()
    {
        if (SampleSize < 0)
            throw new GraftException($"Sample size {SampleSize} is negative.", "Give 0 or more images to sample, e.g. 200.");
        ArgumentNullException.ThrowIfNull(DecoderLimits);
        DecoderLimits.Validate();
    }
}

namespace Graft.ModelImport.Weights;

/// <summary>What <see cref="KerasWeightBinder.Load"/> did with a weight file.</summary>
public sealed record WeightBindingReport
{
    public required string FilePath { get; init; }

    public required WeightMatching Matching { get; init; }

    /// <summary>Weighted layers of the architecture that were filled.</summary>
    public required int LayersLoaded { get; init; }

    /// <summary>Values read (equals the architecture's parameter count).</summary>
    public required long ValuesLoaded { get; init; }

    /// <summary>Weighted layers in the file the architecture does not have (e.g. <c>predictions</c> of a with-top
    /// file), ignored.</summary>
    public required IReadOnlyList<string> IgnoredFileLayers { get; init; }
}

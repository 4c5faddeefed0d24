namespace Graft.ModelImport.Weights;

/// <summary>Options of <see cref="KerasWeightFileWriter.Write"/>. Everything but <see cref="LayerNameChunks"/> exists
/// to produce files that do not match, for tests of the importer's errors and fallbacks.</summary>
public sealed record KerasWeightFileWriteOptions
{
    /// <summary>1: one <c>layer_names</c> attribute; n &gt; 1: n chunks <c>layer_names0</c> … as Keras splits attributes
    /// over its 64 KB object-header limit (numpy's array_split: the first chunks one name longer).</summary>
    public int LayerNameChunks { get; init; } = 1;

    /// <summary>Layers left out entirely (not listed, no group).</summary>
    public IReadOnlySet<string> SkipLayers { get; init; } = new HashSet<string>();

    /// <summary>Per "layer/weight" (e.g. "stem_conv1/kernel"), a shape written instead of the true one, the values
    /// cut or zero-padded to fit.</summary>
    public IReadOnlyDictionary<string, int[]> ShapeOverrides { get; init; } = new Dictionary<string, int[]>();

    /// <summary>Layer names as stored in the file (e.g. a session's other counters); null keeps the model's.</summary>
    public Func<string, string>? RenameLayers { get; init; }
}

namespace Graft.ModelImport.Onnx;

/// <summary>Options of <see cref="KerasOnnxWriter.Build"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Append GlobalAveragePool + Flatten after the Keras output (Keras <c>pooling='avg'</c>), giving
    /// [N, C] features named <see cref="GraftModelMetadata.PooledOutput"/>. False: the output is the last feature map
    /// [N, C, H, W], named after the last layer.</summary>
    public bool GlobalAveragePool { get; init; } = true;

    /// <summary>Extra <c>metadata_props</c> (architecture, weight source); the layer list is always written.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The model's doc_string.</summary>
    public string? Description { get; init; }
}

namespace Graft.ModelImport.Layers;

/// <summary>A backbone's layers as the fine-tuner counts them.</summary>
public sealed record BackboneLayerList
{
    public required string ModelPath { get; init; }

    /// <summary>True when the list comes from the model's <c>graft.layers</c> metadata (Keras layers); false when each
    /// ONNX node is one layer.</summary>
    public required bool KerasLayers { get; init; }

    public required IReadOnlyList<BackboneLayerRow> Layers { get; init; }

    /// <summary>Nodes outside every listed layer (the appended global average pooling), by name.</summary>
    public required IReadOnlyList<string> UnlistedNodes { get; init; }

    /// <summary>Where the output shapes come from: "value_info", "onnxruntime" (a run on one zero image) or "unknown".</summary>
    public required string ShapeSource { get; init; }

    public long TotalParameters => Layers.Sum(l => l.Parameters);
}

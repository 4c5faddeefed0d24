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

    /// <summary>The model's blocks (what <c>--train-blocks N</c> counts), bottom to top; empty when the model has none.</summary>
    public IReadOnlyList<Graft.FeatureCache.Backbones.BackboneBlock> Blocks { get; init; } = [];

    /// <summary>The model's stages (what <c>--train-stages N</c> counts), bottom to top.</summary>
    public IReadOnlyList<Graft.FeatureCache.Backbones.BackboneStage> Stages { get; init; } = [];

    /// <summary>Per layer, the index of its block (−1 when the model has no blocks).</summary>
    public int BlockOf(int layer)
    {
        for (var b = Blocks.Count - 1; b >= 0; b--)
            if (Blocks[b].FirstLayer <= layer) return b;
        return -1;
    }
}

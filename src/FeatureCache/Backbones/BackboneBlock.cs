namespace Graft.FeatureCache.Backbones;

/// <summary>What <c>--train-top N</c> counts: layers (the default, as <see cref="BackboneLayers"/> counts them), the
/// model's blocks (<c>--train-blocks N</c>) or its stages (<c>--train-stages N</c>).</summary>
public enum BackboneUnit
{
    Layer,
    Block,
    Stage,
}

/// <summary>A block of a backbone (timm's word: an MBConv, a DenseNet layer, a ConvNeXt or Swin block, a ViT encoder
/// layer): a contiguous run of layers, bottom to top.</summary>
/// <param name="Index">0-based from the input side.</param>
/// <param name="Name">The PyTorch module path ("features.6.0", "encoder.layers.encoder_layer_11"), or "stem".</param>
/// <param name="Stage">Index into <see cref="BackboneLayers.Stages"/>.</param>
/// <param name="FirstLayer">Index of its first layer; training the block trains every layer from here to the top.</param>
/// <param name="LayerCount">Layers in the block.</param>
/// <param name="Values">Float values of the initializers its layers own.</param>
public sealed record BackboneBlock(int Index, string Name, int Stage, int FirstLayer, int LayerCount, long Values);

/// <summary>A stage of a backbone: consecutive blocks at one resolution (EfficientNet's features.N, RegNet's
/// trunk_output.blockN, DenseNet's denseblockN with the transition before it), bottom to top.</summary>
/// <param name="Index">0-based from the input side.</param>
/// <param name="Name">The module path of the stage ("features.7"), or "stem" for what precedes the first stage.</param>
/// <param name="FirstBlock">Index of its first block.</param>
/// <param name="BlockCount">Blocks in the stage.</param>
/// <param name="FirstLayer">Index of its first layer.</param>
public sealed record BackboneStage(int Index, string Name, int FirstBlock, int BlockCount, int FirstLayer);

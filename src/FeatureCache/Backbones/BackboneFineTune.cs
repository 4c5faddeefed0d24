namespace Graft.FeatureCache.Backbones;

/// <summary>
/// The descriptor's <c>fineTune</c> section — facts about how this backbone's layers are counted and where its
/// customary cut lies, kept with the model as timm keeps them in its pretrained config. <see cref="BackboneLayers"/>
/// counts the layers; this section states what that count must be (checked by the descriptor conformance test and
/// <c>graft backbone check</c>) and names the default boundary for "train the last stage".
/// </summary>
public sealed record BackboneFineTune
{
    /// <summary>Number of layers <see cref="BackboneLayers"/> finds in the model (ResNet18's export: one per ONNX
    /// node; NASNetLarge: Keras's 1039 layers from the model's layer list).</summary>
    public int? Layers { get; init; }

    /// <summary>How layers are counted: "onnxNodes" or "kerasLayers" (the model's <c>graft.layers</c> list).</summary>
    public string? LayerRule { get; init; }

    /// <summary>First layer of the customary trainable top (<c>--train-from</c>): ResNet18's last stage.</summary>
    public string? TrainFrom { get; init; }

    /// <summary>The customary number of top layers to train (<c>--train-top</c>): the seed trains NASNetLarge's top 339.</summary>
    public int? TrainTop { get; init; }

    /// <summary>Number of blocks <see cref="BackboneLayers"/> finds from the model's PyTorch module names (0 or absent
    /// for models without them); checked like <see cref="Layers"/>.</summary>
    public int? Blocks { get; init; }

    /// <summary>Number of stages <see cref="BackboneLayers"/> finds.</summary>
    public int? Stages { get; init; }

    /// <summary>The customary cut in blocks (<c>--train-blocks</c>).</summary>
    public int? TrainBlocks { get; init; }

    /// <summary>The customary cut in stages (<c>--train-stages</c>): 1 trains the last stage.</summary>
    public int? TrainStages { get; init; }

    /// <summary>Where the customary cut comes from, for people reading the descriptor.</summary>
    public string? Note { get; init; }

    /// <summary>The customary cut as (count, unit) or a name — at most one is set; all null when the descriptor names none.</summary>
    public (int? Top, BackboneUnit Unit, string? From) DefaultCut() =>
        TrainStages is { } s ? (s, BackboneUnit.Stage, null)
        : TrainBlocks is { } b ? (b, BackboneUnit.Block, null)
        : TrainTop is { } t ? (t, BackboneUnit.Layer, null)
        : (null, BackboneUnit.Layer, TrainFrom);

    internal void Validate(string owner)
    {
        if (Layers is < 1) throw new GraftException($"{owner}: fineTune.layers must be positive.");
        if (Blocks is < 0 || Stages is < 0) throw new GraftException($"{owner}: fineTune.blocks and fineTune.stages must be 0 or more.");
        if (new object?[] { TrainFrom, TrainTop, TrainBlocks, TrainStages }.Count(v => v is not null) > 1)
            throw new GraftException($"{owner}: fineTune names more than one of trainFrom, trainTop, trainBlocks and trainStages; keep one.");
        if (TrainBlocks is < 1 || (TrainBlocks is { } tb && Blocks is { } nb && tb > nb))
            throw new GraftException($"{owner}: fineTune.trainBlocks {TrainBlocks} is outside 1..{Blocks}.");
        if (TrainStages is < 1 || (TrainStages is { } ts && Stages is { } ns && ts > ns))
            throw new GraftException($"{owner}: fineTune.trainStages {TrainStages} is outside 1..{Stages}.");
        if (LayerRule is not (null or "onnxNodes" or "kerasLayers"))
            throw new GraftException($"{owner}: fineTune.layerRule '{LayerRule}' is not onnxNodes or kerasLayers.");
        if (TrainFrom is not null && TrainTop is not null)
            throw new GraftException($"{owner}: fineTune names both trainFrom and trainTop; keep one.");
        if (TrainTop is < 1 || (TrainTop is { } top && Layers is { } n && top > n))
            throw new GraftException($"{owner}: fineTune.trainTop {TrainTop} is outside 1..{Layers}.");
    }
}

/// <summary>
/// The descriptor's <c>check</c> section: a golden image and the first features the model must produce for it, so a
/// re-export, a converted copy or another runtime can be verified against the shipped numbers
/// (<c>graft backbone check NAME</c>).
/// </summary>
public sealed record BackboneCheck
{
    /// <summary>The image, relative to the descriptor's folder.</summary>
    public required string Image { get; init; }

    /// <summary>The first features (pooled output, in order) the image must give.</summary>
    public required float[] Features { get; init; }

    /// <summary>L2 norm of the whole feature vector.</summary>
    public required float Norm { get; init; }

    /// <summary>Allowed |Δ| per value, relative to the vector's largest listed magnitude (1e-4 covers CPU kernels
    /// and thread counts; an fp16 or int8 copy needs its own descriptor).</summary>
    public float Tolerance { get; init; } = 1e-4f;
}

namespace Graft.ModelImport.Keras;

/// <summary>
/// One layer of a Keras functional model, called once (NASNet shares no layers). Holds what the ONNX writer and the
/// weight loader need: the inputs in call order, the per-image output shape, the layer's arguments and its weight
/// variables in Keras's order and layout. Made by <see cref="KerasGraphBuilder"/>.
/// </summary>
public sealed class KerasLayer
{
    internal KerasLayer(string name, KerasLayerKind kind, IReadOnlyList<KerasLayer> inputs, FeatureMapShape outputShape,
        int creationIndex)
    {
        Name = name;
        Kind = kind;
        Inputs = inputs;
        OutputShape = outputShape;
        CreationIndex = creationIndex;
    }

    /// <summary>Keras's layer name: the one given in the architecture's source, or the session counter's
    /// (<c>activation_12</c>) for layers the source leaves unnamed.</summary>
    public string Name { get; }

    public KerasLayerKind Kind { get; }

    /// <summary>Keras's class name ("SeparableConv2D").</summary>
    public string ClassName => Kind.ToString();

    /// <summary>Input layers in call order (<c>layers.add([a, b])</c> → a, b). Empty for the InputLayer.</summary>
    public IReadOnlyList<KerasLayer> Inputs { get; }

    /// <summary>Shape of one image's output (C, H, W).</summary>
    public FeatureMapShape OutputShape { get; }

    /// <summary>Position in creation (source execution) order; auto-names are handed out in this order.</summary>
    public int CreationIndex { get; }

    /// <summary>Conv2D / SeparableConv2D output channels; 0 otherwise.</summary>
    public int Filters { get; init; }

    /// <summary>Square kernel or pooling window size in pixels; 0 where none.</summary>
    public int KernelSize { get; init; }

    /// <summary>Stride of convolutions and poolings in pixels (same on both axes); 1 otherwise.</summary>
    public int Stride { get; init; } = 1;

    public KerasPadding Padding { get; init; } = KerasPadding.Valid;

    /// <summary>ZeroPadding2D / Cropping2D margins.</summary>
    public Margins Margins { get; init; }

    /// <summary>BatchNormalization epsilon (Keras NASNet: 1e-3).</summary>
    public float Epsilon { get; init; }

    /// <summary>BatchNormalization momentum (Keras NASNet: 0.9997).</summary>
    public float Momentum { get; init; }

    /// <summary>Weight variables in Keras's order (the order of <c>layer.weights</c> and of <c>weight_names</c> in a
    /// weight file); empty for layers without weights.</summary>
    public IReadOnlyList<KerasWeightSpec> Weights { get; init; } = [];

    /// <summary>Parameters as Keras's <c>count_params</c> counts them (trainable and not: BatchNorm's moving statistics
    /// count).</summary>
    public long ParameterCount => Weights.Sum(w => w.Elements);

    /// <summary>Multiply-adds per image of the convolutions (the measure of Keras's "23.8 B multiply-adds" for
    /// NASNetLarge): Conv2D H·W·k²·in·out; SeparableConv2D H·W·k²·in (depthwise) + H·W·in·out (pointwise), with H, W
    /// the output size. Normalisation, pooling and additions are not counted.</summary>
    public long MultiplyAdds
    {
        get
        {
            long pixels = (long)OutputShape.Height * OutputShape.Width;
            var cin = Inputs.Count == 1 ? Inputs[0].OutputShape.Channels : 0;
            return Kind switch
            {
                KerasLayerKind.Conv2D => pixels * KernelSize * KernelSize * cin * Filters,
                KerasLayerKind.SeparableConv2D => pixels * KernelSize * KernelSize * cin + pixels * cin * Filters,
                _ => 0,
            };
        }
    }

    /// <summary>The single input of a one-input layer.</summary>
    internal KerasLayer Input => Inputs.Count == 1 ? Inputs[0] : throw new InvalidOperationException($"{Name} has {Inputs.Count} inputs.");

    public override string ToString() => $"{Name} ({ClassName}) {OutputShape}";
}

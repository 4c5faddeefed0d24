namespace Graft.ModelImport.Onnx;

/// <summary>
/// <c>metadata_props</c> keys Graft writes into the ONNX models it builds. The layer list is the contract with the
/// fine-tuner: a layer's ONNX nodes are those named exactly <c>&lt;layer&gt;</c> or starting with
/// <c>&lt;layer&gt;/</c>, and an initializer belongs to the layer of the node that consumes it.
/// </summary>
public static class GraftModelMetadata
{
    /// <summary>JSON array of the Keras layer names in Keras's <c>model.layers</c> order (InputLayer first).</summary>
    public const string Layers = Graft.FeatureCache.Backbones.BackboneLayers.NamesKey;

    /// <summary>JSON array, parallel to <see cref="Layers"/>, of the Keras class names ("SeparableConv2D").</summary>
    public const string LayerTypes = Graft.FeatureCache.Backbones.BackboneLayers.TypesKey;

    /// <summary>The architecture and arguments, e.g. "keras.applications.nasnet.NASNetLarge(include_top=False, pooling='avg')".</summary>
    public const string Architecture = "graft.architecture";

    /// <summary>Where the weights came from: "keras-h5:FILE sha256=…" or "random:seed=S".</summary>
    public const string Weights = "graft.weights";

    /// <summary>Node name prefix of the pooling Graft appends after the Keras model's output (not a Keras layer of the
    /// base model: in the seed it is the head's first layer).</summary>
    public const string PooledOutput = "global_average_pooling2d";
}

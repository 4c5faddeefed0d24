namespace Graft.ModelImport.Layers;

/// <summary>One row of <c>graft backbone layers</c>.</summary>
/// <param name="Index">0-based position in the layer list (the fine-tuner's <c>--train-top N</c> trains the last N).</param>
/// <param name="Name">Keras layer name, or the ONNX node name for models without a Graft layer list.</param>
/// <param name="Type">Keras class name ("SeparableConv2D"), or the ONNX op type.</param>
/// <param name="Parameters">Float values of the initializers the layer's nodes consume.</param>
/// <param name="OutputShape">"[N,C,H,W]" with N the batch; "?" when unknown.</param>
/// <param name="NodeCount">ONNX nodes that implement the layer (0 for the input layer).</param>
public sealed record BackboneLayerRow(int Index, string Name, string Type, long Parameters, string OutputShape, int NodeCount);

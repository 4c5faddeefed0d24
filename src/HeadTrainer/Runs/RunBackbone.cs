namespace Graft.HeadTrainer.Runs;

/// <summary>The backbone of a run.</summary>
/// <param name="Name">Backbone name in the feature set (e.g. "resnet18").</param>
/// <param name="Id">timm-style id, when known.</param>
/// <param name="ModelSha256">SHA-256 of the ONNX file that made the features; evaluation refuses features of any other.</param>
/// <param name="DescriptorFile">"backbone.json" when the descriptor was copied into the run; null when it was not found.</param>
/// <param name="Parameters">Parameters in the backbone's ONNX initializers (frozen); null when the file was not found.</param>
public sealed record RunBackbone(string Name, string? Id, string ModelSha256, string? DescriptorFile, long? Parameters);

using Graft.FeatureCache.Backbones;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Export;

/// <summary>A fine-tuned backbone written back as ONNX: the model file, its descriptor file and the new hash.</summary>
/// <param name="ModelPath">The .onnx file (same graph as the original, updated initializers).</param>
/// <param name="DescriptorPath">The descriptor .json beside it (its model path is relative to it).</param>
/// <param name="Sha256">SHA-256 of the written model: the new identity for feature caches.</param>
/// <param name="Descriptor">The descriptor as written.</param>
public sealed record FineTunedBackbone(string ModelPath, string DescriptorPath, string Sha256, BackboneDescriptor Descriptor);

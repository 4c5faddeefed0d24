using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Graft.FineTuner.Conversion;
using Onnx;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Export;

/// <summary>
/// Writes a fine-tuned backbone back as ONNX: the original graph unchanged (nodes, names, inputs, outputs, opset,
/// metadata including the layer list), every float initializer replaced by the module's current values — weights,
/// biases, BatchNorm scale/shift and running statistics. Weights that arrived in Constant nodes are written as
/// initializers (<see cref="Conversion.ConstantWeights"/>), which ONNX Runtime runs the same way. The descriptor is
/// the original's with a new name, model path and SHA-256, so precompute/evaluate/predict/export treat it as any other
/// backbone.
/// </summary>
public static class OnnxWriteBack
{
    /// <summary>Metadata key naming the SHA-256 of the model the fine-tuned one came from.</summary>
    public const string SourceMetadataKey = "graft.finetuned_from";

    /// <param name="module">The trained backbone module.</param>
    /// <param name="original">Descriptor of the backbone the module was built from.</param>
    /// <param name="originalSha256">SHA-256 of the original model file.</param>
    /// <param name="directory">Output folder (created).</param>
    /// <param name="name">Name of the new backbone, e.g. "resnet18-ft"; the files are NAME.onnx and NAME.json.</param>
    public static FineTunedBackbone Write(OnnxGraphModule module, BackboneDescriptor original, string originalSha256, string directory, string name)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(original);
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new GraftException($"'{name}' cannot name a backbone file.");
        Directory.CreateDirectory(directory);
        var model = module.Source.Model.Clone();
        var byName = model.Graph.Initializer.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var init in module.ParameterInitializers.Concat(module.StatisticInitializers))
            TensorProtoConversion.Overwrite(byName[init], module.Weight(init));
        var source = model.MetadataProps.FirstOrDefault(p => p.Key == SourceMetadataKey);
        if (source is null) model.MetadataProps.Add(new StringStringEntryProto { Key = SourceMetadataKey, Value = originalSha256 });
        else source.Value = originalSha256;

        var modelPath = Path.Combine(Path.GetFullPath(directory), name + ".onnx");
        AtomicFile.Write(modelPath, tmp =>
        {
            using var stream = File.Create(tmp);
            model.WriteTo(stream);
            stream.Flush(flushToDisk: true);
        });
        var sha = ModelHash.Compute(modelPath);

        var descriptor = original with
        {
            Name = name,
            Id = original.Id is null ? null : $"{original.Id}.ft-{sha[..8]}",
            Description = $"{original.Name} fine-tuned by Graft (from {originalSha256[..12]}…). {original.Description}".Trim(),
            Origin = $"graft finetune of {original.Id ?? original.Name}",
            Model = new ModelFileSource { Path = Path.GetFileName(modelPath) },
            Sha256 = sha,
            DescriptorPath = null,
        };
        descriptor.Validate();
        var descriptorPath = Path.Combine(Path.GetFullPath(directory), name + ".json");
        descriptor.Save(descriptorPath);
        return new FineTunedBackbone(modelPath, descriptorPath, sha, descriptor with { DescriptorPath = descriptorPath });
    }
}

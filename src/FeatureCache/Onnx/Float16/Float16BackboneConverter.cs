using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Graft.FeatureCache.Onnx.Float16;

/// <summary>What <see cref="Float16BackboneConverter.Convert"/> wrote.</summary>
public sealed record Float16Backbone
{
    /// <summary>The new descriptor (saved at <see cref="DescriptorPath"/>), pinned to the new model's hash.</summary>
    public required BackboneDescriptor Descriptor { get; init; }
    public required string DescriptorPath { get; init; }
    public required string ModelPath { get; init; }
    public required long ModelBytes { get; init; }
    public required long SourceBytes { get; init; }
    public required Float16Report Report { get; init; }
}

/// <summary>
/// <c>graft backbone convert --to float16</c>: a backbone descriptor's model (hash-verified through
/// <see cref="BackboneModelFile"/>) rewritten by <see cref="Float16Converter"/>, saved beside a new descriptor
/// NAME-fp16.json whose sha256 pins the new file. The features it gives are a feature set of their own: the cache keys
/// features by the model's hash. The new model's check section is measured on it (CPU), which also proves ONNX Runtime
/// loads and runs it.
/// </summary>
public static class Float16BackboneConverter
{
    /// <summary>Relative tolerance of the converted model's check: half rounding plus the CPU/CUDA kernel spread.</summary>
    public const float CheckTolerance = 0.02f;

    public static Float16Backbone Convert(BackboneDescriptor source, string outputDirectory, Float16Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var file = BackboneModelFile.Open(source);
        var model = file.Read();
        var input = model.Graph.Input.FirstOrDefault(i => i.Name == source.Input.Name)
            ?? throw new GraftException($"Backbone '{source.Name}': the model has no input '{source.Input.Name}'.");
        var inputType = input.Type?.TensorType?.ElemType ?? 0;
        if (inputType == (int)DataType.Float16)
            throw new GraftException($"Backbone '{source.Name}' is already float16 (its input '{input.Name}' is float16).", "Use it as it is.");
        if (inputType != (int)DataType.Float)
            throw new GraftException($"Backbone '{source.Name}' is not a float32 model: its input '{input.Name}' is {(DataType)inputType}.",
                "float16 conversion applies to float32 models.");
        // A fixed batch of 1 (CNTK exports) is made symbolic here, once, so the new file runs batched as it is.
        if (source.Input.FixedBatch) BatchDimension.MakeSymbolic(model.Graph);
        var report = Float16Converter.Convert(model, options);
        model.ProducerName = "graft backbone convert --to float16";

        var name = source.Name + "-fp16";
        var dir = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(dir);
        var modelPath = Path.Combine(dir, name + ".onnx");
        var bytes = model.ToByteArray();
        AtomicFile.WriteAllBytes(modelPath, bytes);
        var sha = System.Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

        var absolute = source.WithAbsolutePaths();
        var descriptor = absolute with
        {
            Name = name,
            Id = (source.Id ?? source.Name) + "-fp16",
            Description = $"{source.Name} with float16 weights and compute (float32 in and out), for GPUs. {source.Description}".TrimEnd(),
            Origin = $"graft backbone convert --to float16 from {source.Name} (model sha256 {file.Sha256}); " +
                     $"{report.FoldedBatchNorms} BatchNormalization folded, float32 kept for: {(report.Float32Nodes.Count == 0 ? "none" : string.Join(", ", report.Float32Nodes.Keys))}",
            Model = new ModelFileSource { Path = name + ".onnx" },
            Sha256 = sha,
            Input = source.Input with { FixedBatch = false },
            FineTune = null, // the fine-tuner maps float32 graphs; fine-tune the original and convert the result
            Check = null,
            DescriptorPath = Path.Combine(dir, name + ".json"),
        };
        if (absolute.Check is { } check && File.Exists(check.Image))
        {
            // The golden image travels with the new descriptor, so the pair works wherever the folder is moved.
            var image = name + ".check" + Path.GetExtension(check.Image);
            AtomicFile.Copy(check.Image, Path.Combine(dir, image));
            check = check with { Image = image };
            var converted = BackboneModelFile.Open(descriptor);
            var features = BackboneConformance.GoldenFeatures(converted, check);
            descriptor = descriptor with
            {
                Check = new BackboneCheck
                {
                    Image = image,
                    Features = features[..Math.Min(8, features.Length)],
                    Norm = MathF.Sqrt(features.Sum(v => v * v)),
                    Tolerance = CheckTolerance,
                },
            };
        }
        descriptor.Validate();
        var descriptorPath = descriptor.DescriptorPath!;
        AtomicFile.WriteAllText(descriptorPath, System.Text.Json.JsonSerializer.Serialize(descriptor, BackboneDescriptor.JsonOptions) + "\n");
        return new Float16Backbone
        {
            Descriptor = descriptor,
            DescriptorPath = descriptorPath,
            ModelPath = modelPath,
            ModelBytes = bytes.LongLength,
            SourceBytes = new FileInfo(file.Path).Length,
            Report = report,
        };
    }
}

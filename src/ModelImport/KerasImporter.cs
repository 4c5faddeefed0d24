using Graft.FeatureCache.Backbones;
using Graft.ModelImport.Onnx;
using Graft.ModelImport.Weights;

namespace Graft.ModelImport;

/// <summary>
/// <c>graft backbone import-keras</c>: builds a Keras application's graph in C#, fills it from the user's Keras HDF5
/// weight file (or seeded random weights), writes it as ONNX and writes its descriptor beside it.
/// </summary>
public static class KerasImporter
{
    public static KerasImportResult Import(KerasImportOptions options, IProgress<string>? progress = null)
    {
        options.Validate();
        var arch = options.Architecture;
        progress?.Report($"building the {arch.Id} graph ({arch.KerasCall})");
        var model = arch.BuildModel();

        KerasWeights weights;
        WeightBindingReport? binding = null;
        string weightSource;
        if (options.RandomInit)
        {
            progress?.Report($"random weights, seed {options.Seed}");
            weights = RandomWeights.Create(model, options.Seed);
            weightSource = $"random:seed={options.Seed}";
        }
        else
        {
            var path = ModelFileLocator.ExpandHome(options.WeightsPath!);
            progress?.Report($"reading weights from {path}");
            using var file = KerasWeightFile.Open(path);
            (weights, binding) = KerasWeightBinder.Load(model, file, arch.Id);
            weightSource = $"keras-h5:{Path.GetFileName(path)} sha256={ModelHash.Compute(path)} matched {binding.Matching.ToString().ToLowerInvariant()}";
        }

        progress?.Report("converting to ONNX");
        var proto = KerasOnnxWriter.Build(weights, new OnnxExportOptions
        {
            Description = $"{arch.KerasCall} built by Graft from keras.applications.nasnet; input input_1 [N,3,{arch.ImageSize},{arch.ImageSize}] RGB in [-1,1] (x/127.5-1), output {GraftModelMetadata.PooledOutput} [N,{arch.FeatureDimension}].",
            Metadata = new Dictionary<string, string>
            {
                [GraftModelMetadata.Architecture] = arch.KerasCall,
                [GraftModelMetadata.Weights] = weightSource,
            },
        });
        var output = Path.GetFullPath(ModelFileLocator.ExpandHome(options.OutputPath));
        progress?.Report($"writing {output}");
        KerasOnnxWriter.Write(proto, output);
        var sha = ModelHash.Compute(output);

        string? descriptorPath = null;
        if (options.WriteDescriptor)
        {
            descriptorPath = Path.ChangeExtension(output, ".json");
            var descriptor = ImportedDescriptor.Create(arch, output, sha, options.RandomInit ? options.Seed : null);
            descriptor.Validate();
            descriptor.Save(descriptorPath);
        }

        return new KerasImportResult
        {
            OnnxPath = output,
            Sha256 = sha,
            DescriptorPath = descriptorPath,
            LayerCount = model.Layers.Count,
            ParameterCount = model.ParameterCount,
            OnnxNodeCount = proto.Graph.Node.Count,
            FeatureDimension = arch.FeatureDimension,
            FileBytes = new FileInfo(output).Length,
            Binding = binding,
        };
    }
}

using Graft.FeatureCache.Backbones;
using Graft.FineTuner.Conversion;
using Graft.FineTuner.Export;
using Graft.FineTuner.Tests.Conversion;
using Graft.FineTuner.Tests.Fixtures;
using Onnx;
using TorchSharp;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Export;

public sealed class WriteBackTests
{
    [Fact]
    public void Write_PerturbedResnet18_OnnxRuntimeReproducesTheModule()
    {
        using var folder = new TempDir();
        var original = BackboneCatalog.Default().Resolve("resnet18");
        using var module = OnnxGraphModule.Create(OnnxModelFile.Load(Resnet18ConversionTests.ModelPath), original.Input.Name, original.Output.Name);
        // Stand-in for training: move every weight and BatchNorm statistic of the last stage.
        torch.manual_seed(1);
        using (torch.no_grad())
            foreach (var name in module.ParameterInitializers.Concat(module.StatisticInitializers).Where(n => string.CompareOrdinal(n, "Parameter32") <= 0 || n.StartsWith("Constant3", StringComparison.Ordinal)))
            {
                var w = module.Weight(name);
                using var noise = torch.rand_like(w).mul_(0.02);
                w.add_(noise);
            }
        var written = OnnxWriteBack.Write(module, original, ModelHash.Compute(Resnet18ConversionTests.ModelPath), folder.Path, "resnet18-ft");

        var rng = new Random(3);
        var data = Enumerable.Range(0, 2 * 3 * 224 * 224).Select(_ => (float)(rng.NextDouble() * 240 - 120)).ToArray();
        module.eval();
        float[] mine;
        using (torch.no_grad())
        using (var x = torch.tensor(data, [2, 3, 224, 224]))
        using (var y = module.forward(x))
            mine = y.data<float>().ToArray();
        var (theirs, _) = OrtReference.Run(ModelProto.Parser.ParseFrom(File.ReadAllBytes(written.ModelPath)), original.Input.Name, data, [2, 3, 224, 224]);
        var scale = Math.Max(1, theirs.Max(v => Math.Abs(v)));
        var diff = mine.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(diff <= 1e-4 * scale, $"max |diff| {diff} vs scale {scale}");

        // The original's outputs differ: the weights really were replaced.
        var (originalOut, _) = OrtReference.Run(OnnxModelFile.Load(Resnet18ConversionTests.ModelPath).Model, original.Input.Name, data, [2, 3, 224, 224]);
        Assert.True(originalOut.Zip(theirs, (a, b) => Math.Abs(a - b)).Max() > 1e-3);

        // The descriptor points at the new file and its hash, and loads through the catalog machinery.
        var descriptor = BackboneDescriptor.Load(written.DescriptorPath);
        Assert.Equal(written.Sha256, descriptor.Sha256);
        Assert.Equal("resnet18-ft", descriptor.Name);
        Assert.Equal(original.Preprocess.CanonicalText(), descriptor.Preprocess.CanonicalText());
        Assert.Equal(written.ModelPath, ModelFileLocator.Locate(descriptor.Model, folder.Path));
        using var backbone = OnnxBackbone.Load(descriptor, new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = 2 });
        Assert.Equal(written.Sha256, backbone.ModelSha256);
    }
}

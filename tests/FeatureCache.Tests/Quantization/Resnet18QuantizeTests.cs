using Graft.FeatureCache.Onnx;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Onnx.Quantization;
using Graft.FeatureCache.Store;

namespace Graft.FeatureCache.Tests.Quantization;

/// <summary>The shipped ResNet18 quantized on 16 real training photos (hymenoptera): features close to float32 on
/// photos calibration never saw, a byte-identical model from a second run, and a feature set of its own.</summary>
public sealed class Resnet18QuantizeTests : IDisposable
{
    private readonly TempDir _dir = new("r18-int8");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Quantize_Resnet18_FeaturesCloseOnUnseenPhotos_Deterministic_DistinctFeatureSet()
    {
        var fp32 = BackboneCatalog.Default().Resolve("resnet18");
        var data = DatasetLoader.Load(Repo.Hymenoptera, new DatasetOptions());
        var options = new BackboneQuantizeOptions { Images = 16, OutputDirectory = _dir.File("a") };
        var result = BackboneQuantizer.Quantize(fp32, data, options);

        Assert.Equal(22, result.FoldedBatchNorms);
        Assert.Equal(31, result.QuantizedNodes); // 22 Conv + 9 residual Add
        Assert.Empty(result.FloatNodes);
        Assert.Equal(16, result.CalibrationImages);
        // Measured 0.9986 mean (min 0.998) with min-max calibration on 16 photos; the bound leaves room for another CPU's kernels.
        Assert.True(result.Agreement.MeanCosine > 0.995, $"{result.Agreement}");

        // The descriptor pins the new file, runs batched, and keys features apart from float32.
        var int8 = BackboneDescriptor.Load(result.DescriptorPath);
        Assert.Equal("resnet18-int8", int8.Name);
        Assert.Equal(result.Sha256, int8.Sha256);
        Assert.False(int8.Input.FixedBatch);
        var fileFp32 = BackboneModelFile.Open(fp32);
        var fileInt8 = BackboneModelFile.Open(int8);
        Assert.NotEqual(FeatureSetSpec.For(fp32, fileFp32.Sha256, FeatureDType.Float32).Id, FeatureSetSpec.For(int8, fileInt8.Sha256, FeatureDType.Float32).Id);

        // Photos from the validation split (never calibrated on), through the precompute path's OnnxBackbone.
        var val = data.Items.Where(i => i.Split == Split.Validation).OrderBy(i => i.Id, StringComparer.Ordinal).Where((_, k) => k % 10 == 0)
            .Select(i => new DatasetItem(i.Id, i.Label, Split.Train, i.Read)).ToList(); // as "train" so the loader takes them
        var valSet = new ImageDataset(data.Root, data.Format, data.ClassNames, val, data.SplitSource);
        var images = BackboneQuantizer.LoadCalibrationImages(fileFp32, valSet, val.Count, out _);
        var a = Features(fileFp32, images);
        var b = Features(fileInt8, images);
        var agreement = FeatureAgreement.Compare(a, b, 512);
        Assert.True(agreement.MinCosine > 0.99, $"{agreement}");
        Assert.True(agreement.RelativeL2 is > 0.005 and < 0.1, $"{agreement}"); // int8 really ran: not bit-equal

        // Same images, same options: the same bytes.
        var again = BackboneQuantizer.Quantize(fp32, data, options with { OutputDirectory = _dir.File("b") });
        Assert.Equal(result.Sha256, again.Sha256);
        Assert.Equal(File.ReadAllBytes(result.ModelPath), File.ReadAllBytes(again.ModelPath));
    }

    private static float[] Features(BackboneModelFile file, CalibrationImages images)
    {
        using var backbone = OnnxBackbone.Load(file, new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = images.Count });
        images.Data.AsSpan(0, images.Count * images.ImageLength).CopyTo(backbone.InputBuffer);
        backbone.Run(images.Count);
        return backbone.OutputBuffer.AsSpan(0, images.Count * backbone.Dimension).ToArray();
    }
}

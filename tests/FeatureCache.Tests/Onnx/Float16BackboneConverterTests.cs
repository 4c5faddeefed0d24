using Graft.FeatureCache.Onnx;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Onnx.Float16;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;
using Graft.FeatureCache.Tests.Backbones;
using Graft.FeatureCache.Tests.Fixtures;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Graft.FeatureCache.Tests.Onnx;

/// <summary><c>graft backbone convert --to float16</c> on the shipped ResNet18 and a tiny model: the files and
/// descriptor it writes, that ONNX Runtime runs them, and that their features are a feature set of their own.</summary>
public sealed class Float16BackboneConverterTests : IDisposable
{
    private readonly TempDir _dir = new("fp16bb");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Resnet18_HalfWeightsFloatIo_PinnedDescriptorPassesItsCheck_FeaturesCloseToFloat32_DistinctFeatureSet()
    {
        var fp32 = BackboneCatalog.Default().Resolve("resnet18");
        var result = Float16BackboneConverter.Convert(fp32, _dir.File("models"));

        Assert.Equal(_dir.File("models/resnet18-fp16.json"), result.DescriptorPath);
        var d = BackboneDescriptor.Load(result.DescriptorPath); // validates
        Assert.Equal("resnet18-fp16", d.Name);
        Assert.Equal(ModelHash.Compute(result.ModelPath), d.Sha256);
        Assert.False(d.Input.FixedBatch);
        Assert.Equal(fp32.Preprocess.CanonicalText(), d.Preprocess.CanonicalText()); // same pixels in: the package mean image stays referenced
        Assert.InRange(result.ModelBytes, result.SourceBytes * 0.49, result.SourceBytes * 0.51);

        var graph = OnnxModelReader.Read(result.ModelPath).Graph;
        Assert.Equal(22, result.Report.FoldedBatchNorms);
        Assert.DoesNotContain(graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal(44, graph.Initializer.Count); // 22 Conv weights + 22 folded biases
        Assert.All(graph.Initializer, t => Assert.Equal((int)DataType.Float16, t.DataType));
        var input = graph.Input.Single(i => i.Name == fp32.Input.Name);
        Assert.Equal((int)DataType.Float, input.Type.TensorType.ElemType);
        Assert.Equal("N", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal((int)DataType.Float, graph.Output.Single(o => o.Name == fp32.Output.Name).Type.TensorType.ElemType);

        // ORT CPU runs it: the descriptor's own check (its golden image copied beside it) passes.
        Assert.True(File.Exists(_dir.File("models/resnet18-fp16.check.png")));
        var conformance = BackboneConformance.Run(d);
        Assert.True(conformance.Passed, $"check deviation {conformance.FeatureDeviation}");
        var golden32 = BackboneConformance.Run(fp32).Features!;
        var agreement = FeatureAgreement.Compare(golden32, conformance.Features!, 512);
        Assert.True(agreement.MinCosine > 0.9999, $"cosine {agreement.MinCosine}");
        Assert.True(agreement.MaxRelativeDelta < 1e-2, $"max rel |Δ| {agreement.MaxRelativeDelta}");

        Assert.NotEqual(FeatureSetSpec.For(fp32, fp32.Sha256!, FeatureDType.Float32).Id, FeatureSetSpec.For(d, d.Sha256!, FeatureDType.Float32).Id);

        var again = Assert.Throws<GraftException>(() => Float16BackboneConverter.Convert(d, _dir.File("again")));
        Assert.Contains("already float16", again.Message);
    }

    [Fact]
    public void Precompute_Float32AndFloat16_TwoFeatureSetsInOneCache_CloseFeatures()
    {
        var tiny = OnnxBackboneTests.Tiny(TinyOnnx.Write(_dir.File("tiny.onnx"), size: 16, fixedBatch: true), fixedBatch: true);
        var half = Float16BackboneConverter.Convert(tiny, _dir.File("models")).Descriptor;
        Assert.Equal("tiny-fp16", half.Name);
        Assert.False(half.Input.FixedBatch); // the converted file has the symbolic batch itself

        var items = Enumerable.Range(0, 6).Select(i => new DatasetItem($"img{i}.png", i % 2, Split.Train, () => ImageData.Encoded(Png(i)))).ToList();
        var dataset = new ImageDataset("/mem", DatasetFormat.Folder, ["a", "b"], items, "test");
        var store = FeatureStore.OpenOrCreate(_dir.File("cache"));
        var options = new PrecomputeOptions { BatchSize = 4, Device = ExecutionDevice.Cpu, FlushToDisk = false };
        var a = FeaturePrecomputer.Run(dataset, tiny, store, options);
        var b = FeaturePrecomputer.Run(dataset, half, store, options);

        Assert.NotEqual(a.FeatureSet, b.FeatureSet);
        Assert.Equal(6, b.Computed); // nothing reused from the float32 set
        Assert.Equal(2, FeatureStore.Open(_dir.File("cache")).Sets.Count);
        float[] Read(string id)
        {
            var set = store.Select(id);
            var train = set.ReadSplits(set.LoadManifest()).Splits[Split.Train];
            Assert.Equal(6, train.Count);
            return train.Features;
        }
        var agreement = FeatureAgreement.Compare(Read(a.FeatureSet), Read(b.FeatureSet), 8);
        Assert.True(agreement.MinCosine > 0.9999, $"cosine {agreement.MinCosine}");
        Assert.True(agreement.MaxAbsDelta > 0, "a float16 set should not be the float32 numbers");
    }

    private static byte[] Png(int seed) => NoisePng.Make(seed);
}

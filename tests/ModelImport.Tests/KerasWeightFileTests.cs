using System.Runtime.InteropServices;
using Graft.ModelImport.Keras;
using Graft.ModelImport.NasNet;
using Graft.ModelImport.Onnx;
using Graft.ModelImport.Tests.Fixtures;
using Graft.ModelImport.Weights;
using Onnx;

namespace Graft.ModelImport.Tests;

/// <summary>Keras HDF5 weight files (written here with PureHDF in Keras's layout, and one written by h5py) through the
/// importer into ONNX initializers.</summary>
public sealed class KerasWeightFileTests : IDisposable
{
    private readonly TempDir _temp = new("import");

    private string _dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(3)] // layer_names0, layer_names1, layer_names2
    public void Import_MobileShapedFile_ReproducesEveryWeightBitForBit(int layerNameChunks)
    {
        var model = NasNetArchitecture.Build(NasNetConfig.Mobile);
        var weights = TestModels.Arbitrary(model, seed: layerNameChunks);
        var h5 = Path.Combine(_dir, "NASNet-mobile-no-top.h5");
        KerasWeightFileWriter.Write(h5, weights, new KerasWeightFileWriteOptions { LayerNameChunks = layerNameChunks });

        var result = KerasImporter.Import(new KerasImportOptions
        {
            Architecture = KerasArchitecture.NasNetMobile, WeightsPath = h5, OutputPath = Path.Combine(_dir, "nasnet_mobile.onnx"),
        });

        Assert.Equal(WeightMatching.ByName, result.Binding!.Matching);
        Assert.Equal(4_269_716, result.Binding.ValuesLoaded);
        var onnx = ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.OnnxPath));
        var initializers = onnx.Graph.Initializer.ToDictionary(t => t.Name);
        long compared = 0;
        foreach (var layer in model.WeightedLayers)
        {
            for (var i = 0; i < layer.Weights.Count; i++)
            {
                var spec = layer.Weights[i];
                var tensor = initializers[$"{layer.Name}/{spec.Name}"];
                var back = BackToKeras(spec, tensor);
                Assert.True(MemoryMarshal.AsBytes(back.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(weights.For(layer)[i].AsSpan())),
                    $"{layer.Name}/{spec.Name} differs");
                compared += back.Length;
            }
        }
        Assert.Equal(4_269_716, compared);
    }

    [Fact]
    public void Import_FileMissingALayer_NamesTheLayer()
    {
        var model = NasNetArchitecture.Build(TestModels.Tiny);
        var h5 = Path.Combine(_dir, "missing.h5");
        KerasWeightFileWriter.Write(h5, TestModels.Arbitrary(model, 1), new KerasWeightFileWriteOptions { SkipLayers = new HashSet<string> { "separable_conv_1_normal_left1_0" } });
        using var file = KerasWeightFile.Open(h5);

        var e = Assert.Throws<GraftException>(() => KerasWeightBinder.Load(model, file, "nasnet-tiny"));

        Assert.Contains("'separable_conv_1_normal_left1_0'", e.Message);
        Assert.NotNull(e.Hint);
    }

    [Fact]
    public void Import_WrongShape_NamesTheLayerAndBothShapes()
    {
        var model = NasNetArchitecture.Build(TestModels.Tiny);
        var spec = model["reduction_conv_1_reduce_2"].Weights[0]; // (1, 1, 48, 16)
        var h5 = Path.Combine(_dir, "shape.h5");
        KerasWeightFileWriter.Write(h5, TestModels.Arbitrary(model, 1), new KerasWeightFileWriteOptions
        {
            ShapeOverrides = new Dictionary<string, int[]> { ["reduction_conv_1_reduce_2/kernel"] = [1, 1, spec.Shape[2], 5] },
        });
        using var file = KerasWeightFile.Open(h5);

        var e = Assert.Throws<GraftException>(() => KerasWeightBinder.Load(model, file, "nasnet-tiny"));

        Assert.Contains("'reduction_conv_1_reduce_2'", e.Message);
        Assert.Contains($"(1, 1, {spec.Shape[2]}, 5)", e.Message);
        Assert.Contains(spec.ShapeText, e.Message);
    }

    [Fact]
    public void Load_FileWithOtherLayerNames_PairsByPositionLikeKerasLoadWeights()
    {
        var model = NasNetArchitecture.Build(TestModels.Tiny);
        var weights = TestModels.Arbitrary(model, 4);
        var h5 = Path.Combine(_dir, "renamed.h5");
        KerasWeightFileWriter.Write(h5, weights, new KerasWeightFileWriteOptions { RenameLayers = n => "old_" + n });
        using var file = KerasWeightFile.Open(h5);

        var (loaded, report) = KerasWeightBinder.Load(model, file, "nasnet-tiny");

        Assert.Equal(WeightMatching.ByPosition, report.Matching);
        Assert.All(model.WeightedLayers, l => Assert.Equal(weights.For(l), loaded.For(l)));
    }

    [Fact]
    public void Import_OtherArchitecturesFile_FailsWithArchHint()
    {
        var h5 = Path.Combine(_dir, "tiny.h5");
        var tiny = NasNetArchitecture.Build(TestModels.Tiny);
        KerasWeightFileWriter.Write(h5, TestModels.Arbitrary(tiny, 1));

        var e = Assert.Throws<GraftException>(() => KerasImporter.Import(new KerasImportOptions
        {
            Architecture = KerasArchitecture.NasNetMobile, WeightsPath = h5, OutputPath = Path.Combine(_dir, "x.onnx"),
        }));

        Assert.Contains("nasnet-mobile", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "x.onnx")));
    }

    [Fact]
    public void Open_FileWrittenByH5py_ReadsFixedLengthNamesChunksAndFloat64()
    {
        using var file = KerasWeightFile.Open(Path.Combine(AppContext.BaseDirectory, "Fixtures", "h5py_keras_layout.h5"));

        Assert.Equal(["input_1", "conv", "bn", "activation"], file.LayerNames);
        Assert.Empty(file.WeightNames("input_1")); // numpy's empty float64 array
        Assert.Equal(["conv/kernel:0"], file.WeightNames("conv"));
        var kernel = file.Read("conv", "conv/kernel:0");
        Assert.Equal([1, 1, 3, 8], kernel.Shape);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (float)i), kernel.Values);
        Assert.Equal(Enumerable.Repeat(3.5f, 8), file.Read("bn", "bn/moving_variance:0").Values); // float64 on disk
    }

    [Fact]
    public void Open_NotHdf5_ThrowsGraftException()
    {
        var path = Path.Combine(_dir, "not.h5");
        File.WriteAllText(path, "hello");
        var e = Assert.Throws<GraftException>(() => KerasWeightFile.Open(path));
        Assert.Contains("not a readable HDF5 file", e.Message);
    }

    [Fact]
    public void Open_Hdf5WithoutLayerNames_ThrowsGraftException()
    {
        var path = Path.Combine(_dir, "plain.h5");
        new PureHDF.H5File { ["data"] = new[] { 1.0, 2.0 } }.Write(path);
        var e = Assert.Throws<GraftException>(() => KerasWeightFile.Open(path));
        Assert.Contains("layer_names", e.Message);
    }

    [Fact]
    public void Import_NeitherWeightsNorRandomInit_ThrowsWithHint()
    {
        var e = Assert.Throws<GraftException>(() => KerasImporter.Import(new KerasImportOptions
        {
            Architecture = KerasArchitecture.NasNetLarge, OutputPath = Path.Combine(_dir, "x.onnx"),
        }));
        Assert.Contains("NASNet-large-no-top.h5", e.Hint);
    }

    /// <summary>ONNX layout back to Keras's: OIHW → HWIO; a depthwise (C,1,kh,kw) is (1,C,kh,kw) in memory.</summary>
    private static float[] BackToKeras(KerasWeightSpec spec, TensorProto tensor)
    {
        var values = MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        if (spec.Shape.Length != 4) return values;
        var (kh, kw, ci, co) = (spec.Shape[0], spec.Shape[1], spec.Shape[2], spec.Shape[3]);
        return WeightLayout.OihwToHwio(values, co, ci, kh, kw);
    }
}

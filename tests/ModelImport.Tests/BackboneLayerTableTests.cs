using Graft.ModelImport.Layers;
using Graft.ModelImport.NasNet;
using Graft.ModelImport.Onnx;
using Graft.ModelImport.Tests.Fixtures;
using Graft.ModelImport.Weights;

namespace Graft.ModelImport.Tests;

public sealed class BackboneLayerTableTests : IDisposable
{
    private readonly TempDir _temp = new("import");

    private string _dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_GraftModel_ListsKerasLayersWithParametersAndShapes()
    {
        var model = NasNetArchitecture.Build(TestModels.Tiny);
        var path = Path.Combine(_dir, "tiny.onnx");
        KerasOnnxWriter.Write(KerasOnnxWriter.Build(RandomWeights.Create(model, 1)), path);

        var list = BackboneLayerTable.Read(path);

        Assert.True(list.KerasLayers);
        Assert.Equal("value_info", list.ShapeSource);
        Assert.Equal(model.Layers.Select(l => l.Name), list.Layers.Select(r => r.Name));
        Assert.Equal(model.Layers.Select(l => l.ClassName), list.Layers.Select(r => r.Type));
        Assert.Equal(model.Layers.Select(l => l.ParameterCount), list.Layers.Select(r => r.Parameters));
        Assert.Equal(model.Layers.Select(l => l.OutputShape.ToString()), list.Layers.Select(r => r.OutputShape));
        Assert.Equal(["global_average_pooling2d/pool", "global_average_pooling2d"], list.UnlistedNodes);
        var sep = list.Layers.First(r => r.Type == "SeparableConv2D");
        Assert.Equal(2, sep.NodeCount);
    }

    [Fact]
    public void Read_ForeignModelWithoutShapes_OneLayerPerNode_ShapesFromOnnxRuntime()
    {
        var model = NasNetArchitecture.Build(TestModels.Tiny);
        var proto = KerasOnnxWriter.Build(RandomWeights.Create(model, 1));
        proto.MetadataProps.Clear();
        proto.Graph.ValueInfo.Clear();
        var path = Path.Combine(_dir, "foreign.onnx");
        KerasOnnxWriter.Write(proto, path);

        var list = BackboneLayerTable.Read(path, imageSize: 40);

        Assert.False(list.KerasLayers);
        Assert.Equal("onnxruntime", list.ShapeSource);
        Assert.Equal(proto.Graph.Node.Count, list.Layers.Count);
        Assert.Equal("[N,8,19,19]", list.Layers.Single(r => r.Name == "stem_conv1").OutputShape);
        Assert.Equal("[N,96]", list.Layers[^1].OutputShape);
        Assert.Equal(model.ParameterCount, list.TotalParameters);
    }

    [Fact]
    public void Read_NotOnnx_ThrowsGraftException()
    {
        var path = Path.Combine(_dir, "x.onnx");
        File.WriteAllBytes(path, [0xff, 0xff, 0xff, 0x01]);
        Assert.Throws<GraftException>(() => BackboneLayerTable.Read(path));
    }
}

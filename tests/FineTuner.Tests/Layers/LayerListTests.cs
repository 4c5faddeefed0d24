using Graft.FineTuner.Conversion;
using Graft.FineTuner.Layers;
using Graft.FineTuner.Tests.Conversion;
using Graft.FineTuner.Tests.Fixtures;
using static Graft.FineTuner.Tests.Fixtures.GraphBuilder;

namespace Graft.FineTuner.Tests.Layers;

public sealed class LayerListTests
{
    [Fact]
    public void For_KerasLayerMetadata_GroupsNodesByNameAndPrefix()
    {
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(TinyBackbone.Model()));
        var layers = LayerList.For(module);
        Assert.True(layers.FromMetadata);
        Assert.Equal(TinyBackbone.LayerNames, layers.Layers.Select(l => l.Name));
        Assert.Equal(0, layers.UnclaimedNodes);
        Assert.Empty(layers.Layers[0].Nodes); // input_1: Keras's InputLayer has no computation
        var sep = layers.Layers[layers.IndexOf("block2_sep")];
        Assert.Equal(["block2_sep/depthwise", "block2_sep/pointwise"], sep.Nodes.Select(n => module.Nodes[n].Name));
        Assert.Equal(["block2_sep/depthwise_kernel", "block2_sep/pointwise_kernel"], sep.Parameters);
        var bn = layers.Layers[layers.IndexOf("block3_bn")];
        Assert.Equal(["block3_bn/gamma", "block3_bn/beta"], bn.Parameters);
        Assert.Equal(["block3_bn/moving_mean", "block3_bn/moving_variance"], bn.Statistics);
        Assert.Equal(4 * TinyBackbone.Features, bn.ParameterCount);
        Assert.Equal(2, layers.Layers[^1].Nodes.Count);
    }

    [Fact]
    public void For_NoMetadata_OneLayerPerNode()
    {
        using var module = OnnxGraphModule.Create(OnnxModelFile.Load(Resnet18ConversionTests.ModelPath));
        var layers = LayerList.For(module);
        Assert.False(layers.FromMetadata);
        Assert.Equal(74, layers.Count);
        Assert.Equal("Convolution249", layers.Layers[0].Name);
        Assert.Equal("Pooling395", layers.Layers[^1].Name);
    }

    [Fact]
    public void Resnet18_FineTunerAndBackboneLayersCommand_CountTheSameLayers_AsTheDescriptorSays()
    {
        var descriptor = FeatureCache.Backbones.BackboneCatalog.Default().Resolve("resnet18");
        using var module = OnnxGraphModule.Create(OnnxModelFile.Load(Resnet18ConversionTests.ModelPath));
        var fineTuner = LayerList.For(module);
        var listing = Graft.ModelImport.Layers.BackboneLayerTable.Read(Resnet18ConversionTests.ModelPath);

        Assert.Equal(descriptor.FineTune!.Layers, fineTuner.Count);
        Assert.Equal(fineTuner.Layers.Select(l => l.Name), listing.Layers.Select(r => r.Name));
        Assert.Equal(fineTuner.Layers.Select(l => l.ParameterCount), listing.Layers.Select(r => r.Parameters));
        Assert.Equal(50, fineTuner.IndexOf(descriptor.FineTune.TrainFrom!));
    }

    [Fact]
    public void Create_TrainTopAndTrainFrom_AgreeAndCountParameters()
    {
        using var module = OnnxGraphModule.Create(OnnxModelFile.Load(Resnet18ConversionTests.ModelPath));
        var layers = LayerList.For(module);
        // ResNet18-CNTK's last stage starts at the projection shortcut Convolution359 (graph order): 24 nodes.
        var top = FreezePlan.Create(module, layers, 24, null);
        var from = FreezePlan.Create(module, layers, null, "Convolution359");
        Assert.Equal(top.FirstTrainableLayer, from.FirstTrainableLayer);
        Assert.Equal(top.Counts, from.Counts);
        Assert.Equal(15_908_800, top.Counts.Total); // FACTS.md: 15.9 M parameters (BN statistics included)
        Assert.True(top.Counts.Trainable > 8_000_000, top.Describe());
        var boundary = FreezeBoundary.For(module, top);
        Assert.Equal(["ReLU347_Output_0"], boundary.Values);
    }

    [Fact]
    public void Create_BadSelections_ExplainWhatToDo()
    {
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(TinyBackbone.Model()));
        var layers = LayerList.For(module);
        var tooMany = Assert.Throws<GraftException>(() => FreezePlan.Create(module, layers, 12, null));
        Assert.Contains("11 layers", tooMany.Message);
        var unknown = Assert.Throws<GraftException>(() => FreezePlan.Create(module, layers, null, "block9"));
        Assert.Contains("block9", unknown.Message);
        var near = Assert.Throws<GraftException>(() => FreezePlan.Create(module, layers, null, "block3"));
        Assert.Contains("block3_conv", near.Hint);
        Assert.Throws<GraftException>(() => FreezePlan.Create(module, layers, 3, "block3_conv"));
        Assert.Throws<GraftException>(() => FreezePlan.Create(module, layers, null, null));
    }

    [Fact]
    public void For_WeightCopiedByAnIdentityNode_IsNoBoundaryAndTheTopStillRuns()
    {
        // torch.onnx merges equal initializers and hands each user an Identity copy, hoisted to the top of the graph:
        // the copy is frozen and never changes, but it is a weight, not something computed from the image. Cached as a
        // boundary value it came back with a batch axis ("input [16, 512, 28, 28], weight … do not fit").
        var g = new GraphBuilder(opset: 13);
        var shared = g.Weight("shared", [4, 4, 1, 1]);
        var copy = g.Node("Identity", [shared]);
        var x = g.Input("x", 3, 6, 6);
        var first = g.Node("Conv", [x, g.Weight("w1", [4, 3, 3, 3])], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1));
        var relu = g.Node("Relu", [first]);
        var top = g.Node("Conv", [relu, copy], Ints("kernel_shape", 1, 1));
        var pool = g.Node("GlobalAveragePool", [top]);
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(pool).Build()));
        var layers = LayerList.For(module);
        var plan = FreezePlan.Create(module, layers, 2, null); // the top Conv and the pool
        var boundary = FreezeBoundary.For(module, plan);
        Assert.Equal([relu], boundary.Values);

        using var fed = TorchSharp.torch.rand(2, 4, 6, 6);
        var outputs = module.Run(new Dictionary<string, TorchSharp.torch.Tensor> { [relu] = fed }, [module.OutputName]);
        using var output = outputs[0];
        Assert.Equal([2L, 4, 1, 1], output.shape);
    }

    [Fact]
    public void For_TrainTop_BoundaryIsInputOfTheFirstTrainableLayer()
    {
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(TinyBackbone.Model()));
        var layers = LayerList.For(module);
        var plan = FreezePlan.Create(module, layers, 4, null); // block3_conv … pool
        Assert.Equal("block3_conv", layers.Layers[plan.FirstTrainableLayer].Name);
        Assert.Equal(["block2_relu_out"], FreezeBoundary.For(module, plan).Values);
        var none = FreezePlan.Create(module, layers, 0, null);
        Assert.Equal(0, none.Counts.Trainable);
        Assert.Equal([module.OutputName], FreezeBoundary.For(module, none).Values);
        var all = FreezePlan.Create(module, layers, 11, null);
        Assert.True(FreezeBoundary.For(module, all).IsInput(module));
    }
}

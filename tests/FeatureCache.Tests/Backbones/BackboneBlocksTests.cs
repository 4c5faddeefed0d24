using Graft.FeatureCache.Backbones;
using Onnx;

namespace Graft.FeatureCache.Tests.Backbones;

/// <summary>Blocks and stages from PyTorch module scopes in node names (<see cref="BackboneLayers"/>), on small
/// hand-written graphs named the way torch.onnx.export names torchvision's modules.</summary>
public sealed class BackboneBlocksTests
{
    /// <summary>A chain of nodes, each reading the previous output and owning one weight initializer when
    /// <c>weighted</c>; names as given.</summary>
    private static ModelProto Chain(params (string Name, string Op, bool Weighted)[] nodes)
    {
        var graph = new GraphProto { Name = "g" };
        graph.Input.Add(new ValueInfoProto { Name = "input" });
        var previous = "input";
        for (var i = 0; i < nodes.Length; i++)
        {
            var node = new NodeProto { Name = nodes[i].Name, OpType = nodes[i].Op };
            node.Input.Add(previous);
            if (nodes[i].Weighted)
            {
                var w = new TensorProto { Name = $"w{i}", DataType = (int)TensorProto.Types.DataType.Float };
                w.Dims.Add(2);
                w.FloatData.Add([0.5f, -0.5f]);
                graph.Initializer.Add(w);
                node.Input.Add(w.Name);
            }
            previous = $"t{i}";
            node.Output.Add(previous);
            graph.Node.Add(node);
        }
        graph.Output.Add(new ValueInfoProto { Name = previous });
        var model = new ModelProto { Graph = graph, IrVersion = 8 };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        return model;
    }

    private static (string, string, bool) Conv(string scope) => ($"{scope}/Conv", "Conv", true);

    [Fact]
    public void Of_ResNetLikeScopes_StemRunBlocksPerStageAndHeadOnTop()
    {
        var model = Chain(
            Conv("/conv1"), ("/bn1/BatchNormalization", "BatchNormalization", true), ("/relu/Relu", "Relu", false), ("/maxpool/MaxPool", "MaxPool", false),
            Conv("/layer1/layer1.0/conv1"), Conv("/layer1/layer1.0/conv2"), ("/layer1/layer1.0/Add", "Add", false),
            Conv("/layer1/layer1.1/conv1"), Conv("/layer1/layer1.1/conv2"),
            Conv("/layer2/layer2.0/conv1"), Conv("/layer2/layer2.0/conv2"), Conv("/layer2/layer2.1/conv1"),
            ("/avgpool/GlobalAveragePool", "GlobalAveragePool", false), ("/Flatten", "Flatten", false), ("/fc/Gemm", "Gemm", true));
        var t = BackboneLayers.Of(model);
        Assert.Equal(["conv1", "layer1.0", "layer1.1", "layer2.0", "layer2.1", "avgpool"], t.Blocks.Select(b => b.Name));
        Assert.Equal([0, 4, 7, 9, 11, 12], t.Blocks.Select(b => b.FirstLayer));
        Assert.Equal(["stem", "layer1", "layer2"], t.Stages.Select(s => s.Name));
        // The pooling and classifier after the last stage join it, so "the last stage" reaches the output.
        Assert.Equal([0, 1, 1, 2, 2, 2], t.Blocks.Select(b => b.Stage));
        Assert.Equal(9, t.FirstLayerOfTop(1, BackboneUnit.Stage));
        Assert.Equal(11, t.FirstLayerOfTop(2, BackboneUnit.Block));
        Assert.Equal(t.Count, t.FirstLayerOfTop(0, BackboneUnit.Stage));
        Assert.Equal(4, t.FirstLayerOf("layer1"));
        Assert.Equal(7, t.FirstLayerOf("layer1.1"));
        Assert.Equal(2, t.FirstLayerOf("/relu/Relu"));
        Assert.Equal(-1, t.FirstLayerOf("layer9"));
        var e = Assert.Throws<GraftException>(() => t.FirstLayerOfTop(4, BackboneUnit.Stage));
        Assert.Contains("3 stages", e.Message);
    }

    [Fact]
    public void Of_OneStageHoldingMostBlocks_StaysAStageOfItsSequence()
    {
        // ConvNeXt-S: features.5 holds 27 of 36 blocks (here 6 of 8, over the trunk share). It is one stage of the
        // features.0…features.N sequence, not the trunk; its blocks stay blocks of one stage.
        var blocks = new List<(string, string, bool)> { Conv("/features/features.0/features.0.0"), Conv("/features/features.1/features.1.0/block") };
        for (var b = 0; b < 6; b++) blocks.Add(Conv($"/features/features.3/features.3.{b}/block"));
        blocks.Add(Conv("/features/features.5/features.5.0/block"));
        blocks.Add(("/classifier/classifier.2/Gemm", "Gemm", true));
        var t = BackboneLayers.Of(Chain([.. blocks]));
        Assert.Equal(["stem", "features.1", "features.3", "features.5"], t.Stages.Select(s => s.Name));
        Assert.Equal(["features.0", "features.1.0", "features.3.0", "features.3.1", "features.3.2", "features.3.3", "features.3.4", "features.3.5", "features.5.0"],
            t.Blocks.Select(b => b.Name));
    }

    [Fact]
    public void Of_TrunkAndParallelBranches_TrunkIsDescendedAndBranchesAreOneBlock()
    {
        // features holds nearly all weights, so it is the trunk; features.1's children are parallel branches (each
        // reads the module's input, as Inception's do), so features.1 is one block, not a stage.
        var model = Chain(Conv("/features/features.0"), Conv("/features/features.1/branch1/conv"), Conv("/features/features.1/branch2/conv"),
            Conv("/features/features.2/features.2.0/block/conv"), Conv("/features/features.2/features.2.1/block/conv"),
            ("/classifier/Gemm", "Gemm", true));
        // Re-wire branch2 to read features.0's output, like a parallel branch.
        model.Graph.Node[2].Input[0] = "t0";
        var t = BackboneLayers.Of(model);
        Assert.Equal(["features.0", "features.1", "features.2.0", "features.2.1"], t.Blocks.Select(b => b.Name));
        Assert.Equal(["stem", "features.2"], t.Stages.Select(s => s.Name));
        Assert.Equal(4, t.Blocks[^1].FirstLayer);
        Assert.Equal(2, t.Blocks[^1].LayerCount); // the classifier joined the last block
    }

    [Fact]
    public void Of_NamesWithoutScopes_HaveNoBlocksAndSayWhatToUseInstead()
    {
        var t = BackboneLayers.Of(Chain(("Convolution1", "Conv", true), ("Relu2", "Relu", false), ("Convolution3", "Conv", true)));
        Assert.Empty(t.Blocks);
        Assert.Empty(t.Stages);
        var e = Assert.Throws<GraftException>(() => t.FirstLayerOfTop(1, BackboneUnit.Block));
        Assert.Contains("no blocks", e.Message);
        Assert.Contains("--train-top", e.Hint);
        Assert.Equal(1, t.FirstLayerOfTop(2, BackboneUnit.Layer));
    }

    [Fact]
    public void Of_MergedInitializerThroughIdentity_BelongsToTheLayerThatComputesWithIt()
    {
        // torch.onnx.export merges equal initializers and puts Identity copies first; the weight must go with the
        // Conv that uses the copy, or --train-top would leave it frozen in the first layer.
        var model = Chain(("Identity_0", "Identity", false), Conv("/layer1/conv"), Conv("/layer2/conv"));
        var identity = model.Graph.Node[0];
        identity.Input[0] = "w2"; // the copy of layer2's weight
        model.Graph.Node[1].Input[0] = "input";
        model.Graph.Node[2].Input[1] = identity.Output[0]; // layer2 computes with the copy, not w2 itself
        var t = BackboneLayers.Of(model);
        Assert.Equal(["w1"], t.Layers[1].Initializers);
        Assert.Equal(["w2"], t.Layers[2].Initializers);
        Assert.Empty(t.Layers[0].Initializers);
    }
}

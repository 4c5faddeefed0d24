using Graft.ModelImport.Keras;

namespace Graft.ModelImport.Tests;

/// <summary>Keras's model.layers order on graphs small enough to work out by hand.</summary>
public sealed class KerasLayerOrderTests
{
    private static readonly FeatureMapShape Shape = new(1, 4, 4);

    [Fact]
    public void Order_SortsByLongestDistanceToOutput_NotCreation()
    {
        // x → a → b ┐
        // x → c ────┴ add       c is created last but sits closer to the output than a.
        var g = new KerasGraphBuilder();
        var x = g.Input(Shape);
        var a = g.Relu(x);
        var b = g.Relu(a);
        var c = g.Relu(x);
        var model = g.Build("m", g.Add([b, c]));
        // depths: add 0, b 1, c 1, a 2, x 3; b and c tie: the walk from add reaches b first.
        Assert.Equal(["input_1", "activation", "activation_1", "activation_2", "add"], model.Layers.Select(l => l.Name));
    }

    [Fact]
    public void Order_TiesFollowTheWalkFromTheOutput_InCallOrder()
    {
        var g = new KerasGraphBuilder();
        var x = g.Input(Shape);
        var a = g.Relu(x);
        var b = g.Relu(a);
        var c = g.Relu(x);
        var model = g.Build("m", g.Add([c, b])); // c listed first: the walk meets c (depth 1) before b (depth 1)
        Assert.Equal(["input_1", "activation", "activation_2", "activation_1", "add"], model.Layers.Select(l => l.Name));
    }

    [Fact]
    public void Order_LeavesOutLayersNotReachingTheOutput_ButTheirNamesStayTaken()
    {
        var g = new KerasGraphBuilder();
        var x = g.Input(Shape);
        g.Relu(x); // "activation", unused
        var model = g.Build("m", g.Relu(x));
        Assert.Equal(["input_1", "activation_1"], model.Layers.Select(l => l.Name));
    }

    [Fact]
    public void Names_PerClassCounters_ZeroBasedWithoutSuffix()
    {
        var g = new KerasGraphBuilder();
        var x = g.Input(Shape);
        var a = g.Relu(x);
        var p = g.ZeroPadding2D(a, new Margins(0, 1, 0, 1));
        var q = g.Cropping2D(p, new Margins(1, 0, 1, 0));
        var named = g.Relu(q, "mine");
        var b = g.Relu(named);
        Assert.Equal(["input_1", "activation", "zero_padding2d", "cropping2d", "mine", "activation_1"],
            new[] { x, a, p, q, named, b }.Select(l => l.Name));
    }

    [Fact]
    public void Names_Duplicate_Throws()
    {
        var g = new KerasGraphBuilder();
        var x = g.Input(Shape);
        g.Relu(x, "r");
        Assert.Throws<InvalidOperationException>(() => g.Relu(x, "r"));
    }
}

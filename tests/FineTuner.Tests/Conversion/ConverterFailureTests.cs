using Graft.FineTuner.Conversion;
using Graft.FineTuner.Tests.Fixtures;
using Microsoft.ML.OnnxRuntime;
using Google.Protobuf;
using TorchSharp;
using static Graft.FineTuner.Tests.Fixtures.GraphBuilder;

namespace Graft.FineTuner.Tests.Conversion;

/// <summary>How the converter fails: every unsupported operator named at load, libtorch errors as GraftExceptions
/// naming the node, and the empty reductions that used to escape as raw libtorch exceptions.</summary>
public sealed class ConverterFailureTests
{
    [Fact]
    public void Create_SeveralUnsupportedOperators_NamesEveryOneWithCountAndFirstNode()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 3, 4, 4);
        var a = g.NodeNamed("LSTM", "mix_1", [x]);
        var b = g.NodeNamed("LSTM", "mix_2", [a]);
        var c = g.NodeNamed("Relu", "relu", [b]);
        var d = g.NodeNamed("GRU", "top", [c]);
        var e = g.NodeNamed("MaxUnpool", "nz", [d]);
        var file = OnnxModelFile.FromModel(g.Output(e).Build());
        var error = Assert.Throws<GraftException>(() => OnnxGraphModule.Create(file));
        Assert.Contains("3 operators", error.Message);
        Assert.Contains("'LSTM' ×2 (first: LSTM node 'mix_1')", error.Message);
        Assert.Contains("'GRU' ×1 (first: GRU node 'top')", error.Message);
        Assert.Contains("'MaxUnpool' ×1 (first: MaxUnpool node 'nz')", error.Message);
        Assert.DoesNotContain("Relu", error.Message);
        Assert.StartsWith("Supported operators: ", error.Hint);
        foreach (var op in new[] { "Conv", "LayerNormalization", "Resize", "Gelu", "ConvTranspose", "Einsum", "TopK" }) Assert.Contains(op, error.Hint);
    }

    [Theory]
    [InlineData("ReduceMax", double.NegativeInfinity)]
    [InlineData("ReduceMin", double.PositiveInfinity)]
    [InlineData("ReduceSum", 0.0)]
    [InlineData("ReduceProd", 1.0)]
    [InlineData("ReduceL2", 0.0)]
    [InlineData("ReduceLogSumExp", double.NegativeInfinity)]
    public void Run_ReductionOverEmptyAxis_GivesTheEmptySetValueLikeOnnxRuntime(string op, double expected)
    {
        // ONNX's test_reduce_*_empty_set: data [2, 0, 4], axes [1], keepdims 1 → [2, 1, 4] of the reduction's identity.
        var g = new GraphBuilder(opset: 18);
        var x = g.Input("x", 0, 4);
        var reduced = g.NodeNamed(op, "empty_reduce", [x, g.Longs("axes", 1)], Int("keepdims", 1));
        var model = g.Output(reduced).Build();
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(model));
        module.eval();
        using var input = torch.zeros(2, 0, 4);
        using var y = module.forward(input);
        Assert.Equal([2L, 1, 4], y.shape);
        var mine = y.data<float>().ToArray();
        Assert.All(mine, v => Assert.Equal(expected, v));
        var (theirs, shape) = OrtReference.Run(model, "x", [], [2, 0, 4]);
        Assert.Equal([2L, 1, 4], shape);
        Assert.Equal(theirs, mine);
    }

    [Fact]
    public void Run_LibtorchFailure_IsGraftExceptionNamingNodeAndOperator()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 3, 4);
        var sum = g.NodeNamed("Add", "residual", [x, g.Weight("w", [5])]); // 4 and 5 do not broadcast: libtorch refuses
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(sum).Build()));
        using var input = torch.ones(2, 3, 4);
        var error = Assert.Throws<GraftException>(() => module.forward(input).Dispose());
        Assert.StartsWith("Add node 'residual' failed: ", error.Message);
        Assert.NotNull(error.InnerException);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public void Run_MatMulShapeMismatch_IsGraftExceptionNotAnAbort()
    {
        // TorchSharp's native matmul lets libtorch's error escape as a C++ exception that terminates the process.
        var g = new GraphBuilder();
        var x = g.Input("x", 3, 4);
        var mm = g.NodeNamed("MatMul", "projection", [x, g.Weight("w", [5, 6])]);
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(mm).Build()));
        using var input = torch.ones(2, 3, 4);
        var error = Assert.Throws<GraftException>(() => module.forward(input).Dispose());
        Assert.Equal("MatMul node 'projection': cannot multiply shapes [2, 3, 4] and [5, 6].", error.Message);
    }

    [Fact]
    public void Run_GatherIndexOutOfRange_IsRefusedNotWrappedAround()
    {
        // Index 3 of a 3-row table: ONNX says error; a modulo would quietly read row 0.
        var g = new GraphBuilder();
        var x = g.Input("x", 3, 4);
        var picked = g.NodeNamed("Gather", "lookup", [x, g.Longs("rows", 0, 3)], Int("axis", 1));
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(picked).Build()));
        using var input = torch.ones(2, 3, 4);
        var error = Assert.Throws<GraftException>(() => module.forward(input).Dispose());
        Assert.Contains("Gather node 'lookup'", error.Message);
        Assert.Contains("out of range for a dimension of size 3", error.Message);
    }

    [Fact]
    public void Create_BadAttributeValue_IsGraftExceptionNamingNode()
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 3, 4, 4);
        var r = g.NodeNamed("Resize", "up", [x, g.Floats("roi", [0], []), g.Floats("scales", [4], [1, 1, 2, 2])], String("mode", "linear"),
            String("coordinate_transformation_mode", "tf_crop_and_resize"));
        var error = Assert.Throws<GraftException>(() => OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(r).Build())));
        Assert.Contains("Resize node 'up'", error.Message);
        Assert.Contains("tf_crop_and_resize", error.Message);
    }
}

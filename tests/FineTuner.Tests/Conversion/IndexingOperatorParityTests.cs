using Graft.FineTuner.Conversion;
using Graft.FineTuner.Tests.Fixtures;
using Graft.FineTuner.Training.Boundary;
using Onnx;
using static Graft.FineTuner.Tests.Fixtures.GraphBuilder;

namespace Graft.FineTuner.Tests.Conversion;

/// <summary>Einsum, gather/scatter, TopK, CumSum, Trilu, MeanVarianceNormalization, the one-hot family, Det, Compress,
/// ReverseSequence, GridSample, NonMaxSuppression, the Hann/Hamming/Blackman windows and the NLL / softmax cross-entropy losses against ONNX
/// Runtime — forward within 1e-4 × scale — and a backward pass reaching every trainable parameter through the
/// differentiable ones.</summary>
public sealed class IndexingOperatorParityTests
{
    [Fact]
    public void Forward_EinsumAttention_MatchesOnnxRuntimeAndTrainsProjections()
    {
        // Batched projections, multi-head scores "bqhd,bkhd->bhqk", weighted sum, an outer product "i,j->ij" and a
        // transposing reduction — the equations attention exports use.
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 4, 6);
        var q = g.Node("Einsum", [x, g.Weight("wq", [6, 6], -1f, 1f)], String("equation", "bij,jk->bik"));
        var k = g.Node("Einsum", [x, g.Weight("wk", [6, 6], -1f, 1f)], String("equation", "bij, jk -> bik"));
        var heads = g.Longs("heads", 0, 4, 2, 3);
        var scores = g.Node("Einsum", [g.Node("Reshape", [q, heads]), g.Node("Reshape", [k, heads])], String("equation", "bqhd,bkhd->bhqk"));
        var attention = g.Node("Softmax", [scores], Int("axis", -1));
        var mixed = g.Node("Einsum", [attention, g.Node("Reshape", [x, heads])], String("equation", "bhqk,bkhd->bqhd"));
        var outer = g.Node("Einsum", [g.Weight("u", [3], 0.5f, 1f), g.Weight("v", [3], 0.5f, 1f)], String("equation", "i,j->ij"));
        var projected = g.Node("Einsum", [mixed, outer], String("equation", "bqhd,de->bqhe"));
        var reduced = g.Node("Einsum", [projected], String("equation", "bqhe->beq"));
        var model = g.Output(reduced).Build();
        Parity.Check(model, [2, 4, 6], inputScale: 2f);
        Assert.Equal(["u", "v", "wk", "wq"], Parity.Backward(model, [2, 4, 6]).Order());
    }

    [Fact]
    public void Forward_TopKGatherElementsCumSumTriluMvn_MatchOnnxRuntimeAndTrain()
    {
        // MVN → TopK (values and indices) → GatherElements of a reverse exclusive CumSum by those indices, plus a lower
        // triangle: every differentiable path back to the scale weight.
        var g = new GraphBuilder(opset: 14);
        var x = g.Input("x", 3, 4, 4);
        var scaled = g.Node("Mul", [x, g.Weight("scale", [3, 4, 4], 0.5f, 1.5f)]);
        var normalised = g.Node("MeanVarianceNormalization", [scaled]);
        var top = g.NodeOutputs("TopK", [normalised, g.Longs("k", 2)], 2, Int("axis", -1));
        var sums = g.Node("CumSum", [normalised, g.Longs("axis", 3)], Int("exclusive", 1), Int("reverse", 1));
        var gathered = g.Node("GatherElements", [sums, top[1]], Int("axis", 3));
        var joined = g.Node("Concat", [top[0], gathered], Int("axis", 3));
        var lower = g.Node("Trilu", [normalised], Int("upper", 0));
        var model = g.Output(g.Node("Add", [joined, lower])).Build();
        Parity.Check(model, [2, 3, 4, 4], inputScale: 2f);
        Assert.Equal(["scale"], Parity.Backward(model, [2, 3, 4, 4]));
    }

    [Fact]
    public void Forward_TopKTies_LowerIndexFirstAsOnnxRuntime()
    {
        // Round(4x) over 8 values in [−4, 4] repeats values: the indices of equal values must come out lowest first.
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 8);
        var rounded = g.Node("Round", [g.Node("Mul", [x, g.Floats("four", [], [4f])])]);
        var largest = g.NodeOutputs("TopK", [rounded, g.Longs("k5", 5)], 2);
        var smallest = g.NodeOutputs("TopK", [rounded, g.Longs("k3", 3)], 2, Int("largest", 0));
        var indices = g.Node("Concat", [largest[1], smallest[1]], Int("axis", 1));
        var model = g.Output(g.Node("Cast", [indices], Int("to", 1))).Build();
        Parity.Check(model, [6, 8], relativeTolerance: 0);
    }

    [Fact]
    public void Forward_OneHotFamily_MatchesOnnxRuntimeAndTrainsScatteredUpdates()
    {
        // Hardmax, OneHot of an ArgMax, ScatterElements (negative index), GatherND (batch_dims 1), NonZero, EyeLike and
        // CastLike, joined along axis 1.
        var g = new GraphBuilder(opset: 15); // CastLike is opset 15
        var x = g.Input("x", 5);
        var hard = g.Node("Hardmax", [x]);
        var best = g.Node("ArgMax", [x], Int("axis", 1), Int("keepdims", 0));
        var hot = g.Node("OneHot", [best, g.Longs("depth", 5), g.Floats("off_on", [2], [-1f, 3f])]);
        var where = g.Node("Reshape", [g.Longs("where", 4, 0, 1, -1), g.Longs("s22", 2, 2)]);
        var scattered = g.Node("ScatterElements", [x, where, g.Weight("updates", [2, 2], 1f, 2f)], Int("axis", 1));
        var eye = g.Node("EyeLike", [x], Int("k", 1));
        var picked = g.Node("GatherND", [x, g.Node("Reshape", [g.Longs("pick", 3, -5), g.Longs("s21", 2, 1)])], Int("batch_dims", 1));
        var found = g.Node("Cast", [g.Node("NonZero", [hard])], Int("to", 1));
        var likeFloat = g.Node("CastLike", [g.Node("Unsqueeze", [best, g.Longs("ax1", 1)]), x]);
        var joined = g.Node("Concat", [
            hard, hot, g.Node("Add", [scattered, eye]), g.Node("Unsqueeze", [picked, g.Longs("ax1b", 1)]),
            g.Node("Transpose", [found]), likeFloat,
        ], Int("axis", 1));
        var model = g.Output(joined).Build();
        Parity.Check(model, [2, 5]);
        Assert.Equal(["updates"], Parity.Backward(model, [2, 5]));
    }

    [Fact]
    public void Forward_DetCompressReverseSequence_MatchOnnxRuntimeAndTrain()
    {
        // Det of scaled 3×3 blocks, Compress by a two-entry condition [1, 0] (shorter than the axis: column 0 only), ReverseSequence of
        // the first 3 / 1 time steps of the two batch entries: gradients reach the scale through all three.
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 3, 3);
        var scaled = g.Node("Mul", [x, g.Weight("scale", [3, 3], 0.5f, 1.5f)]);
        var det = g.Node("Det", [scaled]);
        var condition = g.Node("Cast", [g.Longs("keep", 1, 0, 1)], Int("to", 9));
        var kept = g.Node("Compress", [scaled, g.Node("Slice", [condition, g.Longs("c0", 0), g.Longs("c2", 2)])], Int("axis", 2));
        var reversed = g.Node("ReverseSequence", [scaled, g.Longs("lens", 3, 1)], Int("batch_axis", 0), Int("time_axis", 1));
        var joined = g.Node("Concat", [
            g.Node("Reshape", [det, g.Longs("s21", 2, 1)]), g.Node("Flatten", [kept]), g.Node("Flatten", [reversed]),
        ], Int("axis", 1));
        var model = g.Output(joined).Build();
        Parity.Check(model, [2, 3, 3], inputScale: 2f);
        Assert.Equal(["scale"], Parity.Backward(model, [2, 3, 3]));
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("sum")]
    [InlineData("none")]
    public void Forward_SoftmaxCrossEntropyAndNll_MatchOnnxRuntimeAndTrain(string reduction)
    {
        // Logits [N, C, d] from a trainable projection; class weights, an ignored label (−1) and both log_prob outputs.
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 3, 4);
        var logits = g.Node("Mul", [x, g.Weight("scale", [3, 4], 0.5f, 2f)]);
        var labels = g.Node("Reshape", [g.Longs("labels", 0, 2, -1, 1, 2, 2, 0, -1), g.Longs("s24", 2, 4)]);
        var weights = g.Floats("class_w", [3], [0.2f, 1f, 2.5f]);
        var sce = g.NodeOutputs("SoftmaxCrossEntropyLoss", [logits, labels, weights], 2, String("reduction", reduction), Int("ignore_index", -1));
        var nll = g.Node("NegativeLogLikelihoodLoss", [sce[1], labels], String("reduction", reduction), Int("ignore_index", -1));
        var flatLoss = g.Node("Reshape", [g.Node("Add", [sce[0], nll]), g.Longs("row", 1, -1)]);
        var flatLogProb = g.Node("Reshape", [sce[1], g.Longs("row2", 1, -1)]);
        var model = g.Output(g.Node("Concat", [flatLoss, flatLogProb], Int("axis", 1))).Build();
        Parity.Check(model, [2, 3, 4], inputScale: 2f);
        Assert.Equal(["scale"], Parity.Backward(model, [2, 3, 4]));
    }

    [Theory]
    [InlineData("bilinear", "reflection", 0)]
    [InlineData("bilinear", "zeros", 1)]
    [InlineData("nearest", "border", 0)]
    public void Forward_GridSample_MatchesOnnxRuntimeAndTrainsGrid(string mode, string padding, int alignCorners)
    {
        // A learnable sampling grid reaching past [−1, 1] (so padding matters) over a scaled input.
        var g = new GraphBuilder(opset: 16);
        var x = g.Input("x", 3, 4, 5);
        var scaled = g.Node("Mul", [x, g.Weight("scale", [3, 1, 1], 0.5f, 1.5f)]);
        var grid = g.Node("Mul", [g.Node("Tanh", [g.Weight("grid", [2, 3, 6, 2], -2f, 2f)]), g.Floats("reach", [], [1.3f])]);
        var sampled = g.Node("GridSample", [scaled, grid], String("mode", mode), String("padding_mode", padding), Int("align_corners", alignCorners));
        var model = g.Output(sampled).Build();
        Parity.Check(model, [2, 3, 4, 5], inputScale: 2f);
        // Nearest sampling is piecewise constant in the grid (no gradient to it, as in torch): backward for bilinear only.
        if (mode == "bilinear") Assert.Equal(["grid", "reach", "scale"], Parity.Backward(model, [2, 3, 4, 5]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Forward_NonMaxSuppression_SelectsTheSameBoxesAsOnnxRuntime(int centrePointBox)
    {
        // 12 random boxes per image (corners in any order, or centre/size), two classes of random scores, at most 4 per
        // class, IoU 0.2, score threshold 0.1: the selected (batch, class, box) rows must be identical.
        var g = new GraphBuilder(opset: 11);
        var boxes = g.Input("boxes", 12, 4);
        var scores = g.Weight("scores", [2, 2, 12], 0f, 1f);
        var kept = g.Node("NonMaxSuppression", [boxes, scores, g.Longs("max", 4), g.Floats("iou", [1], [0.2f]), g.Floats("score", [1], [0.1f])],
            Int("center_point_box", centrePointBox));
        var model = g.Output(g.Node("Cast", [kept], Int("to", 1))).Build();
        Parity.Check(model, [2, 12, 4], relativeTolerance: 0);
    }

    [Fact]
    public void Forward_Windows_MatchOnnxRuntime()
    {
        // Periodic Hann, symmetric Hamming and periodic Blackman windows of 8 applied to a signal.
        var g = new GraphBuilder(opset: 17);
        var x = g.Input("x", 8);
        var size = g.Node("Reshape", [g.Longs("eight", 8), g.Longs("scalar")]);
        var windows = new[]
        {
            g.Node("Mul", [x, g.Node("HannWindow", [size])]),
            g.Node("Mul", [x, g.Node("HammingWindow", [size], Int("periodic", 0))]),
            g.Node("Mul", [x, g.Node("BlackmanWindow", [size])]),
        };
        var model = g.Output(g.Node("Concat", windows, Int("axis", 1))).Build();
        Parity.Check(model, [2, 8], relativeTolerance: 1e-6);
    }

    [Fact]
    public void Load_ScatterElementsWithMulReduction_IsRefusedNamingIt()
    {
        var g = new GraphBuilder(opset: 16);
        var x = g.Input("x", 3);
        var where = g.Node("Reshape", [g.Longs("where", 0, 0), g.Longs("s12", 1, 2)]);
        var y = g.Node("ScatterElements", [x, where, g.Weight("updates", [1, 2])], Int("axis", 1), String("reduction", "mul"));
        var e = Assert.Throws<GraftException>(() => OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(y).Build())));
        Assert.Contains("ScatterElements reduction 'mul'", e.Message);
    }

    [Fact]
    public void Forward_ScatterElementsAddWithDuplicates_MatchesOnnxRuntimeAndTrainsUpdates()
    {
        // Index 1 appears twice in each row: both updates accumulate onto data (reduction add, opset 16).
        var g = new GraphBuilder(opset: 16);
        var x = g.Input("x", 4);
        var where = g.Node("Reshape", [g.Longs("where", 1, 1, -1, 3, 0, 1), g.Longs("s23", 2, 3)]);
        var y = g.Node("ScatterElements", [x, where, g.Weight("updates", [2, 3], 1f, 2f)], Int("axis", 1), String("reduction", "add"));
        var model = g.Output(y).Build();
        Parity.Check(model, [2, 4]);
        Assert.Equal(["updates"], Parity.Backward(model, [2, 4]));
    }

    [Fact]
    public void Run_EinsumWithMismatchedShapes_IsAClearErrorNotACrash()
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 4);
        var y = g.Node("Einsum", [x, g.Weight("w", [5, 3])], String("equation", "bi,ij->bj"));
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(y).Build()));
        using var input = TorchSharp.torch.ones(2, 4);
        var e = Assert.Throws<GraftException>(() => module.forward(input));
        Assert.Contains("letter 'i'", e.Message);
    }
}

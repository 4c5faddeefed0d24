using Graft.FineTuner.Conversion;
using Graft.FineTuner.Tests.Fixtures;
using Onnx;
using static Graft.FineTuner.Tests.Fixtures.GraphBuilder;

namespace Graft.FineTuner.Tests.Conversion;

/// <summary>The operators of modern backbones (EfficientNet, MobileNetV3, ConvNeXt, ViT, Swin, segmentation decoders)
/// against ONNX Runtime — forward within 1e-4 × scale — and one backward pass reaching every trainable parameter.</summary>
public sealed class ModernOperatorParityTests
{
    [Fact]
    public void Forward_ActivationFamily_MatchesOnnxRuntimeAndTrainsSlope()
    {
        var g = new GraphBuilder(opset: 14); // HardSwish is opset 14
        var x = g.Input("x", 4, 5, 5);
        var conv = g.Node("Conv", [x, g.Weight("w", [4, 4, 1, 1], -1f, 1f)], Ints("kernel_shape", 1, 1));
        var prelu = g.Node("PRelu", [conv, g.Weight("slope", [4, 1, 1], 0.05f, 0.3f)]);
        var parts = new[]
        {
            prelu,
            g.Node("Elu", [conv], Float("alpha", 0.7f)),
            g.Node("Selu", [conv]),
            g.Node("Softplus", [conv]),
            g.Node("Softsign", [conv]),
            g.Node("HardSigmoid", [conv]), // ONNX defaults 0.2 / 0.5 (Keras)
            g.Node("HardSigmoid", [conv], Float("alpha", 1f / 6), Float("beta", 0.5f)), // torch's
            g.Node("HardSwish", [conv]),
            g.Node("LeakyRelu", [conv], Float("alpha", 0.2f)),
            g.Node("Neg", [conv]),
            g.Node("Exp", [conv]),
            g.Node("Log", [g.Node("Add", [g.Node("Abs", [conv]), g.Floats("one", [], [1f])])]),
            g.Node("Sqrt", [g.Node("Abs", [conv])]),
            g.Node("Reciprocal", [g.Node("Add", [g.Node("Abs", [conv]), g.Floats("half", [], [0.5f])])]),
            g.Node("Pow", [conv, g.Floats("three", [], [3f])]),
            g.Node("Erf", [conv]),
        };
        var cat = g.Node("Concat", parts, Int("axis", 1));
        var model = g.Output(cat).Build();
        Parity.Check(model, [2, 4, 5, 5], inputScale: 3f);
        Assert.Contains("slope", Parity.Backward(model, [2, 4, 5, 5]));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("tanh")]
    public void Forward_GeluOpset20_MatchesOnnxRuntime(string approximate)
    {
        var g = new GraphBuilder(opset: 20);
        var x = g.Input("x", 6, 7);
        var fc = g.Node("MatMul", [x, g.Weight("w", [7, 7], -1f, 1f)]);
        var gelu = g.Node("Gelu", [fc], String("approximate", approximate));
        var model = g.Output(gelu).Build();
        Parity.Check(model, [3, 6, 7], inputScale: 3f);
        Parity.Backward(model, [3, 6, 7]);
    }

    [Fact]
    public void Forward_TransformerBlock_MatchesOnnxRuntimeAndTrainsLayerNorm()
    {
        // ViT/ConvNeXt shape: LayerNormalization (opset 17) → MLP with erf-GELU → residual; class token through
        // Expand + Concat; attention-like Softmax; Split of qkv along the last axis.
        var g = new GraphBuilder(opset: 17);
        var x = g.Input("x", 5, 8);
        var shape = g.Node("Shape", [x]);
        var batch = g.Node("Slice", [shape, g.Longs("s0", 0), g.Longs("e0", 1)]);
        var tokenShape = g.Node("Concat", [batch, g.Longs("t18", 1, 8)], Int("axis", 0));
        var token = g.Node("Expand", [g.Weight("cls_token", [1, 1, 8]), tokenShape]);
        var tokens = g.Node("Concat", [token, x], Int("axis", 1));
        var ln = g.Node("LayerNormalization", [tokens, g.Weight("ln_scale", [8], 0.5f, 1.5f), g.Weight("ln_bias", [8])],
            Int("axis", -1), Float("epsilon", 1e-6f));
        var qkv = g.Node("MatMul", [ln, g.Weight("qkv", [8, 24])]);
        var split = g.NodeOutputs("Split", [qkv, g.Longs("sizes", 8, 8, 8)], 3, Int("axis", 2));
        var kt = g.Node("Transpose", [split[1]], Ints("perm", 0, 2, 1));
        var scores = g.Node("Div", [g.Node("MatMul", [split[0], kt]), g.Floats("sqrt_d", [], [MathF.Sqrt(8)])]);
        var attention = g.Node("MatMul", [g.Node("Softmax", [scores], Int("axis", -1)), split[2]]);
        var hidden = g.Node("Add", [g.Node("MatMul", [attention, g.Weight("fc1", [8, 16])]), g.Weight("fc1_b", [16])]);
        var erf = g.Node("Erf", [g.Node("Div", [hidden, g.Floats("sqrt2", [], [MathF.Sqrt(2)])])]);
        var gelu = g.Node("Mul", [g.Node("Mul", [hidden, g.Node("Add", [erf, g.Floats("one", [], [1f])])]), g.Floats("half", [], [0.5f])]);
        var mlp = g.Node("MatMul", [gelu, g.Weight("fc2", [16, 8])]);
        var scaled = g.Node("Mul", [mlp, g.Weight("layer_scale", [8], 0.1f, 0.2f)]);
        var residual = g.Node("Add", [tokens, scaled]);
        var model = g.Output(residual).Build();
        Parity.Check(model, [2, 5, 8]);
        var trained = Parity.Backward(model, [2, 5, 8]);
        Assert.Contains("ln_scale", trained);
        Assert.Contains("ln_bias", trained);
        Assert.Contains("cls_token", trained);
    }

    [Fact]
    public void Forward_RelativePositionBiasGather_MatchesOnnxRuntimeAndTrainsTable()
    {
        // Swin: attention scores + table[index] (Gather of a learnable float table by a constant int64 index).
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 4, 4);
        var index = g.Node("Reshape", [g.Longs("relative_index", 6, 5, 4, 3, 7, 6, 5, 4, 8, 7, 6, 5, 9, 8, 7, 14), g.Longs("grid", 4, 4)]);
        var bias = g.Node("Gather", [g.Weight("rel_table", [15]), index], Int("axis", 0));
        var scores = g.Node("Softmax", [g.Node("Add", [x, bias])], Int("axis", -1));
        var model = g.Output(scores).Build();
        Parity.Check(model, [2, 4, 4]);
        Assert.Equal(["rel_table"], Parity.Backward(model, [2, 4, 4]));
    }

    [Fact]
    public void Forward_LayerNormOverTwoAxesWithStatistics_MatchesOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 17);
        var x = g.Input("x", 4, 3, 3);
        var outputs = g.NodeOutputs("LayerNormalization", [x, g.Weight("scale", [3, 3], 0.5f, 1.5f)], 3, Int("axis", 2));
        var model = g.Output(outputs[0]).Build();
        Parity.Check(model, [2, 4, 3, 3]);
        var both = g.Node("Add", [outputs[0], g.Node("Mul", [outputs[1], outputs[2]])]);
        Parity.Check(g.Output(both).Build(), [2, 4, 3, 3], output: both);
    }

    [Fact]
    public void Forward_Normalizations_MatchesOnnxRuntimeAndTrainScaleAndBias()
    {
        var g = new GraphBuilder(opset: 18);
        var x = g.Input("x", 6, 5, 5);
        var instance = g.Node("InstanceNormalization", [x, g.Weight("in_s", [6], 0.5f, 1.5f), g.Weight("in_b", [6])], Float("epsilon", 1e-4f));
        var group = g.Node("GroupNormalization", [x, g.Weight("gn_s", [3], 0.5f, 1.5f), g.Weight("gn_b", [3])], Int("num_groups", 3));
        var lrnOdd = g.Node("LRN", [x], Int("size", 3), Float("alpha", 0.1f), Float("beta", 0.75f), Float("bias", 2f));
        var lrnWide = g.Node("LRN", [x], Int("size", 5), Float("alpha", 0.2f)); // ONNX Runtime takes odd sizes only
        var cat = g.Node("Concat", [instance, group, lrnOdd, lrnWide], Int("axis", 1));
        var model = g.Output(cat).Build();
        Parity.Check(model, [2, 6, 5, 5], inputScale: 4f);
        Assert.Equal(["in_s", "in_b", "gn_s", "gn_b"], Parity.Backward(model, [2, 6, 5, 5]));
    }

    [Fact]
    public void Forward_GroupNormalizationOpset21PerChannel_MatchesOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 21);
        var x = g.Input("x", 6, 4, 4);
        var group = g.Node("GroupNormalization", [x, g.Weight("s", [6], 0.5f, 1.5f), g.Weight("b", [6])], Int("num_groups", 2));
        Parity.Check(g.Output(group).Build(), [2, 6, 4, 4], inputScale: 3f);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(18)]
    public void Forward_SplitForms_MatchOnnxRuntime(int opset)
    {
        var g = new GraphBuilder(opset: opset);
        var x = g.Input("x", 7, 4);
        string[] parts = opset switch
        {
            11 => g.NodeOutputs("Split", [x], 3, Int("axis", 1), Ints("split", 2, 4, 1)),
            13 => g.NodeOutputs("Split", [x, g.Longs("split", 2, 4, 1)], 3, Int("axis", 1)),
            _ => g.NodeOutputs("Split", [x], 3, Int("axis", 1), Int("num_outputs", 3)), // 3 + 3 + 1
        };
        var mixed = g.Node("Concat", [parts[2], parts[0], g.Node("Neg", [parts[1]])], Int("axis", 1));
        AttributeProto[] halves = opset >= 18 ? [Int("axis", 2), Int("num_outputs", 2)] : [Int("axis", 2)];
        var equal = g.NodeOutputs("Split", [mixed], 2, halves); // no sizes: equal halves
        var sum = g.Node("Add", [equal[0], equal[1]]);
        Parity.Check(g.Output(sum).Build(), [2, 7, 4]);
    }

    [Fact]
    public void Forward_ReductionsOpset18_MatchOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 18);
        var x = g.Input("x", 3, 4, 5);
        var axes = g.Longs("axes", 1, -1);
        string[] ops = ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"];
        var reduced = ops.Select(op => g.Node(op, [x, axes], Int("keepdims", 0))).ToList();
        reduced.Add(g.Node("ReduceLogSum", [g.Node("Abs", [x]), axes], Int("keepdims", 0)));
        var all = g.Node("ReduceMean", [x], Int("keepdims", 0)); // no axes: everything
        var cat = g.Node("Concat", [.. reduced, g.Node("Expand", [all, g.Longs("row", 1, 4)])], Int("axis", 0));
        Parity.Check(g.Output(cat).Build(), [2, 3, 4, 5]);
    }

    [Fact]
    public void Forward_MasksWhereRangeConstantOfShape_MatchOnnxRuntime()
    {
        // Swin-style masking: a mask from comparisons, filled with Where; Range and ConstantOfShape from the shape.
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 4, 6);
        var shape = g.Node("Shape", [x]);
        var last = g.Node("Gather", [shape, g.Longs("i2", 2)]);
        var range = g.Node("Cast", [g.Node("Range", [g.Longs("zero", 0), g.Node("Squeeze", [last]), g.Longs("one", 1)])], Int("to", 1));
        var above = g.Node("Greater", [x, g.Floats("th", [], [0.2f])]);
        var below = g.Node("Less", [x, g.Floats("tl", [], [-0.3f])]);
        var same = g.Node("Equal", [g.Node("Cast", [above], Int("to", 7)), g.Node("Cast", [below], Int("to", 7))]);
        var filler = g.Node("ConstantOfShape", [shape], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = FloatScalar(-2.5f) });
        var masked = g.Node("Where", [g.Node("Not", [same]), g.Node("Add", [x, range]), filler]);
        Parity.Check(g.Output(masked).Build(), [2, 4, 6]);
    }

    [Fact]
    public void Forward_ConstantNodeWeights_BecomeParametersAndMatchOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 3, 6, 6);
        var w = g.ConstantWeight("conv_w", [4, 3, 3, 3]);
        var b = g.ConstantWeight("conv_b", [4]);
        var conv = g.Node("Conv", [x, w, b], Ints("kernel_shape", 3, 3));
        var shape = g.Longs("bias_shape", 1, 4, 1, 1);
        var zeros = g.Node("ConstantOfShape", [shape]);
        var biased = g.Node("Add", [conv, zeros]);
        var eps = g.Node("Add", [biased, g.ConstantScalar("eps", 1e-3f)]);
        var model = g.Output(eps).Build();
        Parity.Check(model, [2, 3, 6, 6]);
        var trained = Parity.Backward(model, [2, 3, 6, 6]);
        Assert.Contains("conv_w", trained);
        Assert.Contains("conv_b", trained);
        Assert.Contains(zeros, trained); // ConstantOfShape with a constant shape feeding Add: a learnable bias
        Assert.DoesNotContain("eps", trained); // one-element constants stay constants
        Assert.Contains(model.Graph.Node, n => n.Name == "conv_w"); // the caller's model is left as it was
    }

    [Fact]
    public void Forward_Opset9DropoutWithMask_MatchesOnnxRuntime()
    {
        // SqueezeNet/VGG exports from opset 9 name Dropout's mask output even though nothing reads it.
        var g = new GraphBuilder(opset: 9);
        var x = g.Input("x", 3, 4, 4);
        var conv = g.Node("Conv", [x, g.Weight("w", [5, 3, 1, 1])], Ints("kernel_shape", 1, 1));
        var dropout = g.NodeOutputs("Dropout", [conv], 2, Float("ratio", 0.5f));
        var up = g.Node("Upsample", [dropout[0], g.Floats("scales", [4], [1f, 1f, 2f, 2f])], String("mode", "nearest"));
        var model = g.Output(up).Build();
        Parity.Check(model, [2, 3, 4, 4]);
        Parity.Backward(model, [2, 3, 4, 4]);
    }

    [Theory]
    [InlineData("nearest", "asymmetric", "floor", 2f, 2f)] // torch nn.Upsample(mode='nearest')
    [InlineData("nearest", "half_pixel", "round_prefer_floor", 2f, 3f)]
    [InlineData("nearest", "tf_half_pixel_for_nn", "round_prefer_ceil", 1.5f, 0.5f)]
    [InlineData("nearest", "half_pixel", "round_prefer_ceil", 1f, 0.5f)]
    [InlineData("nearest", "align_corners", "ceil", 0.4f, 1.5f)]
    [InlineData("linear", "pytorch_half_pixel", "round_prefer_floor", 2f, 2f)] // torch bilinear, align_corners=False
    [InlineData("linear", "align_corners", "round_prefer_floor", 2f, 3f)] // torch bilinear, align_corners=True
    [InlineData("linear", "half_pixel", "round_prefer_floor", 0.5f, 1.5f)]
    [InlineData("linear", "asymmetric", "round_prefer_floor", 1.6f, 0.75f)]
    [InlineData("linear", "align_corners", "round_prefer_floor", 0.6f, 0.5f)]
    [InlineData("linear", "half_pixel_symmetric", "round_prefer_floor", 1.2f, 0.75f)]
    [InlineData("cubic", "half_pixel", "round_prefer_floor", 2f, 0.5f)] // torch bicubic (A = −0.75)
    [InlineData("cubic", "align_corners", "round_prefer_floor", 1.6f, 2f)]
    [InlineData("cubic", "asymmetric", "round_prefer_floor", 0.6f, 1.25f)]
    public void Forward_ResizeScales_MatchesOnnxRuntime(string mode, string transform, string nearest, float sh, float sw)
    {
        var g = new GraphBuilder(opset: transform == "half_pixel_symmetric" ? 19 : 13);
        var x = g.Input("x", 3, 5, 4);
        var conv = g.Node("Conv", [x, g.Weight("w", [3, 3, 1, 1])], Ints("kernel_shape", 1, 1));
        var resized = g.Node("Resize", [conv, g.Floats("roi", [0], []), g.Floats("scales", [4], [1f, 1f, sh, sw])],
            String("mode", mode), String("coordinate_transformation_mode", transform), String("nearest_mode", nearest));
        var model = g.Output(resized).Build();
        Parity.Check(model, [2, 3, 5, 4]);
        Parity.Backward(model, [2, 3, 5, 4]);
    }

    [Fact]
    public void Forward_ResizeCubicExcludeOutside_MatchesOnnxRuntime()
    {
        // TensorFlow's bicubic: A = −0.5, taps outside the image dropped and the rest renormalised.
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 2, 5, 6);
        var resized = g.Node("Resize", [x, g.Floats("roi", [0], []), g.Floats("scales", [4], [1f, 1f, 1.4f, 0.5f])],
            String("mode", "cubic"), Float("cubic_coeff_a", -0.5f), Int("exclude_outside", 1));
        Parity.Check(g.Output(resized).Build(), [2, 2, 5, 6]);
    }

    [Theory]
    [InlineData(11, "linear")]
    [InlineData(18, "nearest")]
    public void Forward_ResizeSizes_MatchesOnnxRuntime(int opset, string mode)
    {
        var g = new GraphBuilder(opset: opset);
        var x = g.Input("x", 2, 6, 5);
        var resized = opset >= 18
            ? g.Node("Resize", [x, "", "", g.Longs("sizes", 9, 3)], String("mode", mode), Ints("axes", 2, 3))
            : g.Node("Resize", [x, g.Floats("roi", [0], []), g.Floats("scales", [0], []), g.Longs("sizes", 2, 2, 9, 3)], String("mode", mode));
        Parity.Check(g.Output(resized).Build(), [2, 2, 6, 5]);
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("nearest")]
    public void Forward_UpsampleOpset9AndResizeOpset10_MatchOnnxRuntime(string mode)
    {
        foreach (var (op, opset) in new[] { ("Upsample", 9), ("Resize", 10) })
        {
            var g = new GraphBuilder(opset: opset);
            var x = g.Input("x", 2, 3, 4);
            var up = g.Node(op, [x, g.Floats("scales", [4], [1f, 1f, 2f, 1.5f])], String("mode", mode));
            Parity.Check(g.Output(up).Build(), [2, 2, 3, 4]);
        }
    }

    [Theory]
    [InlineData(new long[] { 2, 2 }, new long[] { 1, 1, 1, 1 }, new long[] { 0, 0 }, 1, "NOTSET", null)]
    [InlineData(new long[] { 2, 2 }, new long[] { 0, 1, 2, 0 }, new long[] { 1, 1 }, 1, "NOTSET", null)] // asymmetric pads, output_padding
    [InlineData(new long[] { 3, 2 }, new long[] { 0, 0, 0, 0 }, new long[] { 0, 0 }, 2, "NOTSET", new long[] { 10, 8 })] // output_shape, groups
    [InlineData(new long[] { 2, 2 }, new long[] { 0, 0, 0, 0 }, new long[] { 0, 0 }, 1, "SAME_UPPER", null)]
    [InlineData(new long[] { 2, 3 }, new long[] { 0, 0, 0, 0 }, new long[] { 0, 0 }, 1, "SAME_LOWER", null)]
    public void Forward_ConvTranspose_MatchesOnnxRuntimeAndTrainsWeights(long[] strides, long[] pads, long[] outputPadding, int group,
        string autoPad, long[]? outputShape)
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 4, 3, 3);
        List<AttributeProto> attributes = [Ints("kernel_shape", 3, 3), Ints("strides", strides), Int("group", group), String("auto_pad", autoPad)];
        if (autoPad == "NOTSET" && outputShape is null) attributes.Add(Ints("pads", pads));
        if (outputPadding.Any(p => p != 0)) attributes.Add(Ints("output_padding", outputPadding));
        if (outputShape is not null) attributes.Add(Ints("output_shape", outputShape));
        var up = g.Node("ConvTranspose", [x, g.Weight("w", [4, 6 / group, 3, 3]), g.Weight("b", [6])], [.. attributes]);
        var model = g.Output(up).Build();
        Parity.Check(model, [2, 4, 3, 3]);
        Assert.Equal(["w", "b"], Parity.Backward(model, [2, 4, 3, 3]));
    }

    [Fact]
    public void Forward_ConvTransposeDilated1d_MatchesOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 2, 5);
        var up = g.Node("ConvTranspose", [x, g.Weight("w", [2, 3, 3])], Ints("kernel_shape", 3), Ints("strides", 2), Ints("dilations", 2), Ints("pads", 1, 0));
        Parity.Check(g.Output(up).Build(), [2, 2, 5]);
    }

    private static TensorProto FloatScalar(float value)
    {
        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.Add(1);
        t.FloatData.Add(value);
        return t;
    }
}

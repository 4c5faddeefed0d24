using Graft.FineTuner.Conversion;
using Graft.FineTuner.Tests.Fixtures;
using static Graft.FineTuner.Tests.Fixtures.GraphBuilder;

namespace Graft.FineTuner.Tests.Conversion;

/// <summary>Operator families against ONNX Runtime on small graphs built in code.</summary>
public sealed class OperatorParityTests
{
    [Fact]
    public void Forward_CntkStyleAsymmetricPadding_MatchesOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 8);
        var x = g.Input("x", 3, 15, 15);
        var c = g.Node("Conv", [x, g.Weight("w", [4, 3, 7, 7])], Ints("kernel_shape", 7, 7), Ints("strides", 2, 2), Ints("pads", 3, 3, 2, 2));
        var bn = g.Node("BatchNormalization", [c, g.Weight("s", [4], 0.5f, 1.5f), g.Weight("b", [4]), g.Weight("m", [4]), g.Weight("v", [4], 0.5f, 2f)],
            Float("epsilon", 1e-5f));
        var r = g.Node("Relu", [bn]);
        var mp = g.Node("MaxPool", [r], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 0, 0));
        var ap0 = g.Node("AveragePool", [mp], Ints("kernel_shape", 3, 3), Ints("strides", 1, 1), Ints("pads", 1, 1, 0, 0), Int("count_include_pad", 0));
        var ap1 = g.Node("AveragePool", [mp], Ints("kernel_shape", 3, 3), Ints("strides", 1, 1), Ints("pads", 1, 1, 0, 0), Int("count_include_pad", 1));
        var sum = g.Node("Sum", [ap0, ap1, g.Node("Add", [ap0, ap1])]);
        Parity.Check(g.Output(sum).Build(), [2, 3, 15, 15]);
    }

    [Fact]
    public void Forward_MobileNetStyleBlock_MatchesOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 8, 9, 9);
        var pw = g.Node("Conv", [x, g.Weight("pw", [16, 8, 1, 1]), g.Weight("pwb", [16])], Ints("kernel_shape", 1, 1));
        var relu6 = g.Node("Clip", [pw, g.Floats("lo", [], [0f]), g.Floats("hi", [], [6f])]);
        var dw = g.Node("Conv", [relu6, g.Weight("dw", [16, 1, 3, 3]), g.Weight("dwb", [16])],
            Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("group", 16), Ints("strides", 2, 2));
        var grouped = g.Node("Conv", [dw, g.Weight("gw", [8, 4, 3, 3])], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("group", 4));
        var gap = g.Node("GlobalAveragePool", [grouped]);
        var flat = g.Node("Flatten", [gap], Int("axis", 1));
        var fc = g.Node("Gemm", [flat, g.Weight("fc", [5, 8]), g.Weight("fcb", [5])], Int("transB", 1));
        var sm = g.Node("Softmax", [fc], Int("axis", 1));
        Parity.Check(g.Output(sm).Build(), [3, 8, 9, 9]);
    }

    [Fact]
    public void Forward_NasNetStyleCell_MatchesOnnxRuntime()
    {
        // ZeroPadding2D + Cropping2D (Pad, Slice), "same" pooling with explicit pads and count_include_pad = 0,
        // separable convolution (depthwise + pointwise), Concat of branches.
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 6, 11, 11);
        var r = g.Node("Relu", [x]);
        var padded = g.Node("Pad", [r, g.Longs("pads", 0, 0, 0, 0, 0, 0, 1, 1)]);
        var cropped = g.Node("Slice", [padded, g.Longs("st", 1, 1), g.Longs("en", long.MaxValue, long.MaxValue), g.Longs("ax", 2, 3)]);
        var dw = g.Node("Conv", [cropped, g.Weight("dw", [6, 1, 5, 5])], Ints("kernel_shape", 5, 5), Ints("strides", 2, 2), Ints("pads", 1, 1, 2, 2), Int("group", 6));
        var pw = g.Node("Conv", [dw, g.Weight("pw", [6, 6, 1, 1])], Ints("kernel_shape", 1, 1));
        var bn = g.Node("BatchNormalization", [pw, g.Weight("s", [6], 0.5f, 1.5f), g.Weight("b", [6]), g.Weight("m", [6]), g.Weight("v", [6], 0.5f, 2f)],
            Float("epsilon", 1e-3f));
        var avg = g.Node("AveragePool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 0, 0, 1, 1), Int("count_include_pad", 0));
        var avgSame = g.Node("AveragePool", [avg], Ints("kernel_shape", 3, 3), Ints("strides", 1, 1), Ints("pads", 1, 1, 1, 1), Int("count_include_pad", 0));
        var max = g.Node("MaxPool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 0, 0, 1, 1));
        var cat = g.Node("Concat", [bn, avgSame, max, g.Node("Add", [avg, max])], Int("axis", 1));
        var gap = g.Node("GlobalAveragePool", [cat]);
        Parity.Check(g.Output(gap).Build(), [2, 6, 11, 11]);
    }

    [Fact]
    public void Forward_ShapeAndReductionOps_MatchesOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 4, 6, 6);
        var t = g.Node("Transpose", [x], Ints("perm", 0, 2, 3, 1));
        var mean = g.Node("ReduceMean", [t], Ints("axes", 1, 2), Int("keepdims", 1));
        var sq = g.Node("Squeeze", [mean, g.Longs("sqax", 1, 2)]);
        var un = g.Node("Unsqueeze", [sq, g.Longs("unax", 2)]);
        var sig = g.Node("Sigmoid", [un]);
        var mul = g.Node("Mul", [sig, g.Weight("scale", [4, 1])]);
        var id = g.Node("Identity", [mul]);
        var drop = g.Node("Dropout", [id]);
        // Dynamic reshape as torch exports view(x.size(0), -1): Shape → Gather → Unsqueeze → Concat → Reshape.
        var shape = g.Node("Shape", [drop]);
        var batch = g.Node("Gather", [shape, g.Longs("zero", 0)], Int("axis", 0));
        var target = g.Node("Concat", [batch, g.Longs("minus1", -1)], Int("axis", 0));
        var flat = g.Node("Reshape", [drop, target]);
        var sliced = g.Node("Slice", [flat, g.Longs("s0", 1), g.Longs("e0", 3), g.Longs("a0", 1)]);
        var both = g.Node("Concat", [flat, sliced], Int("axis", 1));
        var mm = g.Node("MatMul", [both, g.Weight("mm", [6, 3])]);
        Parity.Check(g.Output(mm).Build(), [3, 4, 6, 6]);
    }

    [Fact]
    public void Forward_AutoPadAndCeilMode_MatchesOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 11);
        var x = g.Input("x", 3, 10, 10);
        var c = g.Node("Conv", [x, g.Weight("w", [4, 3, 3, 3])], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER"));
        var lower = g.Node("Conv", [c, g.Weight("w2", [4, 4, 2, 2])], Ints("kernel_shape", 2, 2), String("auto_pad", "SAME_LOWER"));
        var mp = g.Node("MaxPool", [lower], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Int("ceil_mode", 1));
        var mp2 = g.Node("MaxPool", [c], Ints("kernel_shape", 3, 3), Ints("strides", 1, 1), Ints("pads", 1, 1, 1, 1), Int("ceil_mode", 1));
        var ap = g.Node("AveragePool", [mp2], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER"));
        var lrelu = g.Node("LeakyRelu", [ap], Float("alpha", 0.1f));
        var gmp = g.Node("GlobalMaxPool", [lrelu]);
        var cat = g.Node("Concat", [g.Node("GlobalAveragePool", [mp]), gmp], Int("axis", 1));
        Parity.Check(g.Output(cat).Build(), [2, 3, 10, 10]);
    }

    [Fact]
    public void Forward_OldOpsetAttributeForms_MatchesOnnxRuntime()
    {
        // Opset 9: Clip bounds, Pad pads and Slice ranges are attributes, Softmax flattens at its axis.
        var g = new GraphBuilder(opset: 9);
        var x = g.Input("x", 3, 5, 5);
        var clip = g.Node("Clip", [x], Float("min", -0.2f), Float("max", 0.3f));
        var pad = g.Node("Pad", [clip], Ints("pads", 0, 0, 1, 2, 0, 0, 2, 1), Float("value", 0.25f));
        var slice = g.Node("Slice", [pad], Ints("starts", 1, 0), Ints("ends", -1, 100), Ints("axes", 2, 3));
        var sm = g.Node("Softmax", [slice], Int("axis", 1));
        Parity.Check(g.Output(sm).Build(), [2, 3, 5, 5]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Forward_StridedPointwiseShortcut_MatchesOnnxRuntimeAndTrains(int pad)
    {
        // ResNet-50's downsampling shortcut: 1×1, stride 2, 512→1024. libtorch's own backward-data kernel for it dies
        // with SIGFPE on AMD Zen 5; the gradient must reach the layer below through it.
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 8, 13, 13);
        var expand = g.Node("Conv", [x, g.Weight("w1", [512, 8, 1, 1])], Ints("kernel_shape", 1, 1));
        var shortcut = g.Node("Conv", [expand, g.Weight("w2", [1024, 512, 1, 1]), g.Weight("b2", [1024])],
            Ints("kernel_shape", 1, 1), Ints("strides", 2, 2), Ints("pads", pad, pad, pad, pad));
        var model = g.Output(shortcut).Build();
        Parity.Check(model, [2, 8, 13, 13]);
        Assert.Equal(["b2", "w1", "w2"], Parity.Backward(model, [2, 8, 13, 13]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Forward_StridedPointwiseTransposeAnd3d_MatchOnnxRuntimeAndTrain()
    {
        // The same libtorch kernel behind ConvTranspose 1×1 stride 2 (its forward) and Conv 1×1×1 stride 2 (backward).
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 8, 5, 5);
        var expand = g.Node("Conv", [x, g.Weight("w1", [1024, 8, 1, 1])], Ints("kernel_shape", 1, 1));
        var up = g.Node("ConvTranspose", [expand, g.Weight("wt", [1024, 4, 1, 1]), g.Weight("bt", [4])],
            Ints("kernel_shape", 1, 1), Ints("strides", 2, 3), Ints("pads", 0, 1, 1, 0), Ints("output_padding", 1, 0));
        var model = g.Output(up).Build();
        Parity.Check(model, [2, 8, 5, 5]);
        Assert.Equal(["bt", "w1", "wt"], Parity.Backward(model, [2, 8, 5, 5]).Order(StringComparer.Ordinal));

        var g3 = new GraphBuilder(opset: 13);
        var v = g3.Input("v", 4, 3, 5, 5);
        var wide = g3.Node("Conv", [v, g3.Weight("u1", [512, 4, 1, 1, 1])], Ints("kernel_shape", 1, 1, 1));
        var down = g3.Node("Conv", [wide, g3.Weight("u2", [1024, 512, 1, 1, 1])], Ints("kernel_shape", 1, 1, 1), Ints("strides", 2, 2, 2),
            Ints("pads", 0, 1, 1, 0, 1, 1));
        var model3 = g3.Output(down).Build();
        Parity.Check(model3, [1, 4, 3, 5, 5]);
        Assert.Equal(["u1", "u2"], Parity.Backward(model3, [1, 4, 3, 5, 5]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("edge")]
    [InlineData("reflect")]
    public void Forward_PadBeyondTheLastTwoAxes_MatchesOnnxRuntimeAndTrains(string mode)
    {
        // torch's ReplicationPad3d/ReflectionPad3d export: three padded axes of a 5-D input; a padded channel axis too.
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 2, 3, 4, 3);
        var conv = g.Node("Conv", [x, g.Weight("w", [2, 2, 1, 1, 1])], Ints("kernel_shape", 1, 1, 1));
        var spatial = g.Node("Pad", [conv, g.Longs("p3", 0, 0, 1, 2, 0, 0, 0, 2, 1, 2)], String("mode", mode));
        var channels = g.Node("Pad", [spatial, g.Longs("pc", 0, 1, 0, 0, 0, 0, 1, 0, 0, 0)], String("mode", mode));
        var model = g.Output(channels).Build();
        Parity.Check(model, [2, 2, 3, 4, 3]);
        Assert.Equal(["w"], Parity.Backward(model, [2, 2, 3, 4, 3]));
    }

    [Fact]
    public void Forward_NegativeSliceStepsAndOneDimensionalPools_MatchOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 4, 9);
        var reversed = g.Node("Slice", [x, g.Longs("st", -1, 7), g.Longs("en", long.MinValue, 1), g.Longs("ax", 1, 2), g.Longs("sp", -1, -2)]);
        var max = g.Node("MaxPool", [reversed], Ints("kernel_shape", 2), Ints("strides", 1), Ints("pads", 1, 0));
        var avg = g.Node("AveragePool", [x], Ints("kernel_shape", 3), Ints("strides", 2), Ints("pads", 1, 1));
        var cat = g.Node("Concat", [max, avg], Int("axis", 2));
        Parity.Check(g.Output(cat).Build(), [2, 4, 9]);
    }

    [Fact]
    public void Forward_VolumetricConvAndPools_MatchOnnxRuntimeAndTrain()
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 3, 6, 7, 5);
        var conv = g.Node("Conv", [x, g.Weight("w3", [4, 3, 3, 3, 3]), g.Weight("b3", [4])], Ints("kernel_shape", 3, 3, 3), Ints("pads", 1, 0, 1, 0, 1, 2),
            Ints("strides", 1, 2, 1));
        var max = g.Node("MaxPool", [conv], Ints("kernel_shape", 2, 2, 2), Ints("strides", 2, 1, 2), Ints("pads", 0, 1, 0, 1, 0, 1));
        var avg = g.Node("AveragePool", [conv], Ints("kernel_shape", 3, 2, 2), Ints("strides", 2, 1, 2), Ints("pads", 1, 1, 0, 0, 0, 1));
        var cat = g.Node("Concat", [g.Node("Flatten", [max]), g.Node("Flatten", [avg])], Int("axis", 1));
        var model = g.Output(cat).Build();
        Parity.Check(model, [2, 3, 6, 7, 5]);
        Assert.Equal(["w3", "b3"], Parity.Backward(model, [2, 3, 6, 7, 5]));
    }

    [Fact]
    public void Forward_Conv1dTileAndPixelShuffle_MatchOnnxRuntime()
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 8, 6);
        var conv = g.Node("Conv", [x, g.Weight("w1", [8, 4, 3])], Ints("kernel_shape", 3), Ints("pads", 2, 0), Int("group", 2), Ints("dilations", 2));
        var planes = g.Node("Reshape", [conv, g.Longs("to4d", 0, 8, 1, -1)]);
        var tiled = g.Node("Tile", [planes, g.Longs("reps", 1, 1, 2, 1)]);
        var shuffled = g.Node("DepthToSpace", [tiled], Int("blocksize", 2), String("mode", "CRD"));
        var back = g.Node("SpaceToDepth", [g.Node("DepthToSpace", [tiled], Int("blocksize", 2))], Int("blocksize", 2));
        var cat = g.Node("Concat", [g.Node("Flatten", [shuffled]), g.Node("Flatten", [back])], Int("axis", 1));
        Parity.Check(g.Output(cat).Build(), [2, 8, 6]);
    }

    [Fact]
    public void Forward_Opset6BroadcastAxis_AlignsFromTheAxis()
    {
        // Opset < 7 Add/Mul with broadcast = 1, axis = 1: B [C] lines up with dimension 1, not with the last one.
        // ONNX Runtime no longer runs opset 6, so the expectation is computed directly.
        var g = new GraphBuilder(opset: 6);
        var x = g.Input("x", 3, 2, 2);
        var sum = g.Node("Add", [x, g.Floats("b", [3], [10f, 20f, 30f])], Int("broadcast", 1), Int("axis", 1));
        var product = g.Node("Mul", [sum, g.Floats("s", [3, 2], [1f, 2f, 3f, 4f, 5f, 6f])], Int("broadcast", 1), Int("axis", 1));
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(product).Build()));
        using var input = TorchSharp.torch.arange(24f).reshape(2, 3, 2, 2);
        using var y = module.forward(input);
        var values = y.data<float>().ToArray();
        for (var i = 0; i < 24; i++)
        {
            int c = i / 4 % 3, h = i / 2 % 2;
            Assert.Equal((i + 10f * (c + 1)) * (c * 2 + h + 1), values[i]);
        }
    }

    [Fact]
    public void Forward_Opset6PRelu_SlopePerChannelAlongAxis1()
    {
        // PRelu-6 (PyTorch's old exports, ONNX's pytorch-converted test_PReLU_*_multiparam): slope [C] per channel. With
        // x [N, C, C] numpy broadcasting would silently line the slope up with the last axis instead.
        var g = new GraphBuilder(opset: 6);
        var x = g.Input("x", 3, 3);
        var y = g.Node("PRelu", [x, g.Floats("slope", [3], [0.1f, 0.2f, 0.3f])]);
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(y).Build()));
        using var input = TorchSharp.torch.arange(18f).sub(100f).reshape(2, 3, 3);
        using var output = module.forward(input);
        var values = output.data<float>().ToArray();
        for (var i = 0; i < 18; i++)
        {
            var c = i / 3 % 3;
            Assert.Equal((i - 100f) * (0.1f * (c + 1)), values[i], 4);
        }
    }

    [Fact]
    public void Forward_Opset5CastWithTheTypeAsAString_Casts()
    {
        var g = new GraphBuilder(opset: 5);
        var x = g.Input("x", 4);
        var y = g.Node("Cast", [x], String("to", "INT64"));
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(g.Output(y).Build()));
        using var input = TorchSharp.torch.tensor(new[] { 1.7f, -2.2f, 3.9f, 0.4f, 5f, 6.5f, -7.5f, 8f }).reshape(2, 4);
        using var output = module.forward(input);
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, output.dtype);
        Assert.Equal(new long[] { 1, -2, 3, 0, 5, 6, -7, 8 }, output.data<long>().ToArray());
    }

    [Fact]
    public void Create_UnsupportedOperator_NamesOperatorAndNode()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 3, 4, 4);
        var r = g.Node("Relu", [x]);
        var bad = g.NodeNamed("RoiAlign", "upsample_7", [r]);
        var file = OnnxModelFile.FromModel(g.Output(bad).Build());
        var e = Assert.Throws<GraftException>(() => OnnxGraphModule.Create(file));
        Assert.Contains("'RoiAlign'", e.Message);
        Assert.Contains("upsample_7", e.Message);
        Assert.Contains("Conv", e.Hint);
    }
}

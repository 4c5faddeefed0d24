using Graft.FineTuner.Tests.Fixtures;
using Onnx;
using static Graft.FineTuner.Tests.Fixtures.GraphBuilder;

namespace Graft.FineTuner.Tests.Conversion;

/// <summary>Upsampling operators of decoders and feature pyramids — Resize/Upsample in every mode and coordinate rule
/// exports use, ConvTranspose with every padding form — against ONNX Runtime, with backward passes.</summary>
public sealed class UpsamplingParityTests
{
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
}

using Graft.ModelImport.Keras;
using Graft.ModelImport.Onnx;
using Graft.ModelImport.Tests.Fixtures;
using Graft.ModelImport.Weights;

namespace Graft.ModelImport.Tests;

/// <summary>
/// One Keras layer (or the adjust path's layer trio) exported to ONNX and run in ONNX Runtime, against values worked
/// out by hand from TensorFlow's definitions. Inputs are channel planes, row-major.
/// </summary>
public sealed class OnnxOpSemanticsTests
{
    private static readonly float[] Ramp4x4 = Enumerable.Range(0, 16).Select(i => (float)i).ToArray(); // v[y, x] = 4y + x

    [Fact]
    public void Conv2D_SameStride2OnEvenInput_PadsBottomRightOnly()
    {
        // TF: out 2×2, total pad 1 → 0 before, 1 after. out[0,0] = Σ rows 0-2 × cols 0-2 = 45; out[0,1] = rows 0-2 ×
        // cols 2-3 = 39; out[1,0] = rows 2-3 × cols 0-2 = 66; out[1,1] = 10+11+14+15 = 50. (Symmetric padding would give
        // out[0,0] = 0+1+4+5 = 10.)
        var y = RunOne(new FeatureMapShape(1, 4, 4), Ramp4x4,
            (g, x) => g.Conv2D(x, 1, 3, 2, KerasPadding.Same, "c"), new() { ["c"] = [Enumerable.Repeat(1f, 9).ToArray()] });
        Assert.Equal([45f, 39f, 66f, 50f], y);
    }

    [Fact]
    public void Conv2D_Kernel_IsReadAsHeightWidthInOut()
    {
        // 1×1 kernel (1,1,in=2,out=3) = [[1,2,3],[4,5,6]]; input (1, 10) → (1+40, 2+50, 3+60).
        var y = RunOne(new FeatureMapShape(2, 1, 1), [1f, 10f],
            (g, x) => g.Conv2D(x, 3, 1, 1, KerasPadding.Same, "c"), new() { ["c"] = [[1, 2, 3, 4, 5, 6]] });
        Assert.Equal([41f, 52f, 63f], y);
    }

    [Fact]
    public void SeparableConv2D_DepthwiseTapsAndPointwiseMix_KeepOrientation()
    {
        // Depthwise (3,3,C=2,1): channel 0 taps (ky 0, kx 1) → dw0[y,x] = in0[y−1, x]; channel 1 taps (ky 1, kx 2) →
        // dw1[y,x] = in1[y, x+1]. Pointwise (1,1,2,1) = [1, 10]: out = dw0 + 10·dw1.
        float[] input = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90];
        var depthwise = new float[18];
        depthwise[(0 * 3 + 1) * 2 + 0] = 1;
        depthwise[(1 * 3 + 2) * 2 + 1] = 1;
        var y = RunOne(new FeatureMapShape(2, 3, 3), input,
            (g, x) => g.SeparableConv2D(x, 1, 3, 1, KerasPadding.Same, "s"), new() { ["s"] = [depthwise, [1, 10]] });
        Assert.Equal([200f, 300f, 0f, 501f, 602f, 3f, 804f, 905f, 6f], y);
    }

    [Fact]
    public void AveragePooling2D_Same_ExcludesPaddingFromTheDivisor()
    {
        // 3×3 window, stride 1 on 1..9: corner avg(1,2,4,5) = 3, edge avg(1..6) = 3.5, centre 5. Counting the padding
        // (count_include_pad) would give 12/9 in the corner.
        var y = RunOne(new FeatureMapShape(1, 3, 3), [1, 2, 3, 4, 5, 6, 7, 8, 9],
            (g, x) => g.AveragePooling2D(x, 3, 1, KerasPadding.Same, "p"), []);
        Assert.Equal([3f, 3.5f, 4f, 4.5f, 5f, 5.5f, 6f, 6.5f, 7f], y);
    }

    [Fact]
    public void AdjustPath_PadCropAndStride2Pool_SamplesTheOddPixels()
    {
        // ZeroPadding2D((0,1),(0,1)) → Cropping2D((1,0),(1,0)) → AveragePooling2D(1, strides 2, 'valid'):
        // shifts by one pixel and keeps every second one: v[1,1]=5, v[1,3]=7, v[3,1]=13, v[3,3]=15.
        var y = RunOne(new FeatureMapShape(1, 4, 4), Ramp4x4, (g, x) =>
        {
            var p = g.ZeroPadding2D(x, new Margins(0, 1, 0, 1));
            p = g.Cropping2D(p, new Margins(1, 0, 1, 0));
            return g.AveragePooling2D(p, 1, 2, KerasPadding.Valid, "a");
        }, []);
        Assert.Equal([5f, 7f, 13f, 15f], y);
    }

    /// <summary>
    /// The reduction cell's h3 = reduction_pad_1(h) feeding reduction_left2 (max), reduction_left3 (average) and
    /// reduction_right5 (max), all 3×3 stride 2 'valid': Keras pools over explicit zeros, so a window reaching the
    /// padded row/column of an all-negative map yields 0 (max) and divides by 9 (average). Run with ONNX Runtime's full
    /// graph optimisation, as Graft runs it. (Its Pad fusion would fold a Pad whose only consumer is a MaxPool into the
    /// pool's −∞ padding and break this; h3 always has three consumers, which ONNX Runtime never fuses.)
    /// </summary>
    [Fact]
    public void ReductionPadThenPools_PaddedZerosTakePart()
    {
        var input = Ramp4x4.Select(v => v - 100).ToArray();
        var y = RunOne(new FeatureMapShape(1, 4, 4), input, (g, x) =>
        {
            var h3 = g.ZeroPadding2D(x, TfPadding.CorrectPad(x.OutputShape, 3)); // ((0,1),(0,1)) on an even map
            var left2 = g.MaxPooling2D(h3, 3, 2, KerasPadding.Valid, "left2");
            var left3 = g.AveragePooling2D(h3, 3, 2, KerasPadding.Valid, "left3");
            var right5 = g.MaxPooling2D(h3, 3, 2, KerasPadding.Valid, "right5");
            return g.Concatenate([left2, left3, right5]);
        }, []);
        // max: window (0,0) = v[2,2] − 100; every other window reaches a padded zero.
        // average: (0+1+2+4+5+6+8+9+10 − 900)/9, (2+3+6+7+10+11 − 600)/9, (8+9+10+12+13+14 − 600)/9, (10+11+14+15 − 400)/9.
        float[] expected = [-90, 0, 0, 0, -95, -561 / 9f, -534 / 9f, -350 / 9f, -90, 0, 0, 0];
        Assert.Equal(expected.Length, y.Length);
        for (var i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 4);
    }

    [Fact]
    public void BatchNormalization_UsesKerasEpsilonAndStatistics()
    {
        // gamma 2, beta 1, moving mean 0.5, moving variance 3, epsilon 1e-3: y = 2·(x − 0.5)/√3.001 + 1.
        var y = RunOne(new FeatureMapShape(1, 1, 2), [2f, -1f],
            (g, x) => g.BatchNormalization(x, "b"), new() { ["b"] = [[2], [1], [0.5f], [3]] });
        Assert.Equal(2 * 1.5 / Math.Sqrt(3.001) + 1, y[0], 5);
        Assert.Equal(2 * -1.5 / Math.Sqrt(3.001) + 1, y[1], 5);
    }

    private static float[] RunOne(FeatureMapShape inputShape, float[] chw, Func<KerasGraphBuilder, KerasLayer, KerasLayer> build,
        Dictionary<string, float[][]> weights)
    {
        var g = new KerasGraphBuilder();
        var x = g.Input(inputShape);
        var model = g.Build("one", build(g, x));
        var proto = KerasOnnxWriter.Build(new KerasWeights(model, weights), new OnnxExportOptions { GlobalAveragePool = false });
        var (values, dims) = Ort.Run(proto, chw, 1, inputShape.Channels, inputShape.Height, inputShape.Width);
        var o = model.Output.OutputShape;
        Assert.Equal([1, o.Channels, o.Height, o.Width], dims);
        return values;
    }
}

using Graft.ModelImport.Keras;

namespace Graft.ModelImport.Tests;

/// <summary>TensorFlow's "same"/"valid" arithmetic and Keras applications' correct_pad, against hand-computed values.</summary>
public sealed class TfPaddingTests
{
    [Theory]
    // input, kernel, stride, out, before, after
    [InlineData(4, 3, 2, 2, 0, 1)]   // total (2-1)·2+3-4 = 1: all of it at the bottom/right (PyTorch-style would pad 1 both sides)
    [InlineData(5, 3, 2, 3, 1, 1)]   // total 2: symmetric
    [InlineData(42, 7, 2, 21, 2, 3)] // total 5: 2 before, 3 after
    [InlineData(7, 3, 1, 7, 1, 1)]
    [InlineData(11, 5, 1, 11, 2, 2)]
    [InlineData(3, 1, 2, 2, 0, 0)]   // 1×1 stride 2: total max(1·2+1-3, 0) = 0
    [InlineData(2, 3, 3, 1, 0, 1)]
    public void Same_OutputAndPads(int input, int kernel, int stride, int output, int before, int after)
    {
        Assert.Equal(output, TfPadding.OutputSize(input, kernel, stride, KerasPadding.Same));
        Assert.Equal((before, after), TfPadding.Pads(input, kernel, stride, KerasPadding.Same));
    }

    [Theory]
    [InlineData(331, 3, 2, 165)] // stem_conv1
    [InlineData(167, 3, 2, 83)]  // reduction_left2 after reduction_pad_1 on 165
    [InlineData(10, 1, 2, 5)]    // adjust_avg_pool
    public void Valid_Output(int input, int kernel, int stride, int output)
    {
        Assert.Equal(output, TfPadding.OutputSize(input, kernel, stride, KerasPadding.Valid));
        Assert.Equal((0, 0), TfPadding.Pads(input, kernel, stride, KerasPadding.Valid));
    }

    [Theory]
    // correct_pad: adjust = 1 - size % 2; ((k//2 - adjust, k//2), …)
    [InlineData(165, 5, 2, 2)] // odd: symmetric
    [InlineData(42, 7, 2, 3)]  // even: one less before
    [InlineData(42, 3, 0, 1)]
    [InlineData(83, 3, 1, 1)]
    public void CorrectPad_MatchesKerasApplications(int size, int kernel, int before, int after)
    {
        Assert.Equal(new Margins(before, after, before, after), TfPadding.CorrectPad(new FeatureMapShape(1, size, size), kernel));
    }
}

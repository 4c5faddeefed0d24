namespace Graft.ModelImport.Keras;

/// <summary>
/// TensorFlow's padding arithmetic for one spatial axis (tf.nn.conv2d / pooling with "SAME" or "VALID"). "SAME" gives
/// ceil(input / stride) outputs and pads <c>max((out − 1)·stride + kernel − input, 0)</c> pixels in total, the smaller
/// half before (top/left) and the larger half after (bottom/right) — the reverse of what symmetric ONNX/PyTorch padding
/// would guess, which is why Graft writes explicit asymmetric <c>pads</c>.
/// </summary>
public static class TfPadding
{
    /// <summary>Output length of a convolution or pooling along one axis.</summary>
    public static int OutputSize(int input, int kernel, int stride, KerasPadding padding)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        return padding == KerasPadding.Same
            ? (input + stride - 1) / stride
            : input < kernel ? 0 : (input - kernel) / stride + 1;
    }

    /// <summary>Pixels padded before (top/left) and after (bottom/right) along one axis.</summary>
    public static (int Before, int After) Pads(int input, int kernel, int stride, KerasPadding padding)
    {
        if (padding == KerasPadding.Valid) return (0, 0);
        var output = OutputSize(input, kernel, stride, padding);
        var total = Math.Max((output - 1) * stride + kernel - input, 0);
        return (total / 2, total - total / 2);
    }

    /// <summary>
    /// Keras applications' <c>correct_pad(inputs, kernel_size)</c>: the ZeroPadding2D put before a stride-2 "valid"
    /// convolution so that it lines up with TensorFlow-slim's "SAME" one. For an even size it pads one pixel less at
    /// the top/left: <c>((k//2 − 1, k//2), …)</c>; for an odd size <c>((k//2, k//2), …)</c>.
    /// </summary>
    public static Margins CorrectPad(FeatureMapShape input, int kernel)
    {
        var half = kernel / 2;
        var adjustH = 1 - input.Height % 2;
        var adjustW = 1 - input.Width % 2;
        return new Margins(half - adjustH, half, half - adjustW, half);
    }
}

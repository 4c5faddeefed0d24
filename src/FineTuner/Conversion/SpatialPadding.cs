using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;
namespace Graft.FineTuner.Conversion;

/// <summary>
/// Resolves ONNX spatial padding (explicit <c>pads</c> = [h_begin, w_begin, h_end, w_end], or <c>auto_pad</c>
/// SAME_UPPER / SAME_LOWER / VALID) for 2-D convolution and pooling. CNTK and TensorFlow exports pad asymmetrically
/// (e.g. ResNet18-CNTK's stem [3,3,2,2]); TorchSharp's conv/pool take symmetric padding only, so callers pad
/// explicitly when <see cref="IsSymmetric"/> is false.
/// </summary>
internal readonly record struct SpatialPadding(long Top, long Left, long Bottom, long Right)
{
    public bool IsSymmetric => Top == Bottom && Left == Right;

    public bool IsZero => Top == 0 && Left == 0 && Bottom == 0 && Right == 0;

    /// <summary>TorchSharp F.pad order for the last two dimensions: [left, right, top, bottom].</summary>
    public long[] TorchPadOrder => [Left, Right, Top, Bottom];

    /// <summary>Computes the padding for an input of <paramref name="height"/>×<paramref name="width"/>.</summary>
    /// <param name="autoPad">The auto_pad attribute ("NOTSET" when absent).</param>
    /// <param name="pads">The pads attribute or null.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="kernel">[kh, kw].</param>
    /// <param name="strides">[sh, sw].</param>
    /// <param name="dilations">[dh, dw].</param>
    public static SpatialPadding Resolve(string autoPad, long[]? pads, long height, long width, long[] kernel, long[] strides, long[] dilations)
    {
        switch (autoPad)
        {
            case "" or "NOTSET":
                return pads is { Length: 4 } ? new(pads[0], pads[1], pads[2], pads[3]) : default;
            case "VALID":
                return default;
            case "SAME_UPPER" or "SAME_LOWER":
                var (top, bottom) = Same(height, kernel[0], strides[0], dilations[0], autoPad == "SAME_UPPER");
                var (left, right) = Same(width, kernel[1], strides[1], dilations[1], autoPad == "SAME_UPPER");
                return new(top, left, bottom, right);
            default:
                throw new GraftException($"Unknown auto_pad '{autoPad}'.");
        }
    }

    /// <summary>ONNX SAME: output = ceil(in / stride); the odd pixel goes to the end (UPPER) or the beginning (LOWER).</summary>
    private static (long Begin, long End) Same(long size, long kernel, long stride, long dilation, bool upper)
    {
        var output = (size + stride - 1) / stride;
        var total = Math.Max(0, (output - 1) * stride + (kernel - 1) * dilation + 1 - size);
        var small = total / 2;
        return upper ? (small, total - small) : (total - small, small);
    }
}

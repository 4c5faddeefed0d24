namespace Graft.ModelImport.Onnx;

/// <summary>Kernel layout conversions between TensorFlow/Keras (channels last) and ONNX/PyTorch (channels first).</summary>
public static class WeightLayout
{
    /// <summary>(kh, kw, in, out) row-major → (out, in, kh, kw) row-major: dst[o, i, y, x] = src[y, x, i, o].</summary>
    public static float[] HwioToOihw(ReadOnlySpan<float> src, int kh, int kw, int ci, int co)
    {
        if (src.Length != (long)kh * kw * ci * co) throw new ArgumentException($"{src.Length} values for ({kh}, {kw}, {ci}, {co}).");
        var dst = new float[src.Length];
        var s = 0;
        for (var y = 0; y < kh; y++)
        for (var x = 0; x < kw; x++)
        for (var i = 0; i < ci; i++)
        {
            var d = (i * kh + y) * kw + x;      // dst index for o = 0
            var step = ci * kh * kw;             // one output channel further
            for (var o = 0; o < co; o++, s++, d += step) dst[d] = src[s];
        }
        return dst;
    }

    /// <summary>(out, in, kh, kw) → (kh, kw, in, out), the inverse of <see cref="HwioToOihw"/>.</summary>
    public static float[] OihwToHwio(ReadOnlySpan<float> src, int co, int ci, int kh, int kw)
    {
        if (src.Length != (long)kh * kw * ci * co) throw new ArgumentException($"{src.Length} values for ({co}, {ci}, {kh}, {kw}).");
        var dst = new float[src.Length];
        var s = 0;
        for (var o = 0; o < co; o++)
        for (var i = 0; i < ci; i++)
        for (var y = 0; y < kh; y++)
        for (var x = 0; x < kw; x++, s++)
            dst[((y * kw + x) * ci + i) * co + o] = src[s];
        return dst;
    }
}

using Graft.ModelImport.Keras;
using Graft.ModelImport.Weights;

namespace Graft.ModelImport.Tests.Fixtures;

/// <summary>
/// A deliberately naive interpreter of a <see cref="KerasModel"/> in Keras's own terms: one image, channels-last
/// (H, W, C) tensors, kernels used in Keras's (kh, kw, in, out) layout as stored, TensorFlow's padding rules written
/// out again here (not taken from the code under test). The ONNX export must compute the same numbers; a wrong
/// transpose, pad side or pooling divisor shows as a mismatch.
/// </summary>
public static class KerasReference
{
    /// <summary>Runs <paramref name="hwc"/> (H·W·3 values, channels last) and returns the globally averaged output.</summary>
    public static float[] Run(KerasWeights weights, float[] hwc)
    {
        var model = weights.Model;
        var outputs = new Dictionary<KerasLayer, Tensor>();
        foreach (var layer in model.Layers) // model.layers is a topological order: inputs come first
        {
            var x = layer.Inputs.Count > 0 ? outputs[layer.Inputs[0]] : null;
            var w = weights.For(layer);
            outputs[layer] = layer.Kind switch
            {
                KerasLayerKind.InputLayer => new Tensor(layer.OutputShape.Height, layer.OutputShape.Width, 3, hwc),
                KerasLayerKind.Conv2D => Conv(x!, w[0], layer.KernelSize, layer.Stride, layer.Padding, depthwise: false),
                KerasLayerKind.SeparableConv2D => Conv(Conv(x!, w[0], layer.KernelSize, layer.Stride, layer.Padding, depthwise: true), w[1], 1, 1, KerasPadding.Valid, depthwise: false),
                KerasLayerKind.BatchNormalization => Map(x!, (v, c) => (v - w[2][c]) / MathF.Sqrt(w[3][c] + layer.Epsilon) * w[0][c] + w[1][c]),
                KerasLayerKind.Activation => Map(x!, (v, _) => MathF.Max(v, 0)),
                KerasLayerKind.ZeroPadding2D => Shift(x!, layer.Margins.Top, layer.Margins.Left, x!.H + layer.Margins.Top + layer.Margins.Bottom, x.W + layer.Margins.Left + layer.Margins.Right),
                KerasLayerKind.Cropping2D => Shift(x!, -layer.Margins.Top, -layer.Margins.Left, x!.H - layer.Margins.Top - layer.Margins.Bottom, x.W - layer.Margins.Left - layer.Margins.Right),
                KerasLayerKind.AveragePooling2D => Pool(x!, layer.KernelSize, layer.Stride, layer.Padding, average: true),
                KerasLayerKind.MaxPooling2D => Pool(x!, layer.KernelSize, layer.Stride, layer.Padding, average: false),
                KerasLayerKind.Add => layer.Inputs.Skip(1).Aggregate(outputs[layer.Inputs[0]], (acc, i) => Zip(acc, outputs[i])),
                KerasLayerKind.Concatenate => Concat(layer.Inputs.Select(i => outputs[i]).ToList()),
                _ => throw new NotSupportedException(layer.ClassName),
            };
        }
        var last = outputs[model.Output];
        var pooled = new float[last.C];
        for (var y = 0; y < last.H; y++)
        for (var x = 0; x < last.W; x++)
        for (var c = 0; c < last.C; c++)
            pooled[c] += last[y, x, c] / (last.H * last.W);
        return pooled;
    }

    public sealed class Tensor(int h, int w, int c, float[]? data = null)
    {
        public int H { get; } = h;
        public int W { get; } = w;
        public int C { get; } = c;
        public float[] Data { get; } = data ?? new float[h * w * c];
        public float this[int y, int x, int ch] { get => Data[(y * W + x) * C + ch]; set => Data[(y * W + x) * C + ch] = value; }
    }

    /// <summary>TensorFlow: out = ceil(in/stride) for "same", padding split with the smaller half before.</summary>
    private static (int Out, int Before) Geometry(int input, int k, int s, KerasPadding p)
    {
        if (p == KerasPadding.Valid) return ((input - k) / s + 1, 0);
        var o = (input + s - 1) / s;
        return (o, Math.Max((o - 1) * s + k - input, 0) / 2);
    }

    private static Tensor Conv(Tensor x, float[] kernel, int k, int s, KerasPadding p, bool depthwise)
    {
        var (oh, top) = Geometry(x.H, k, s, p);
        var (ow, left) = Geometry(x.W, k, s, p);
        var cout = depthwise ? x.C : kernel.Length / (k * k * x.C);
        var o = new Tensor(oh, ow, cout);
        for (var oy = 0; oy < oh; oy++)
        for (var ox = 0; ox < ow; ox++)
        for (var ky = 0; ky < k; ky++)
        for (var kx = 0; kx < k; kx++)
        {
            int iy = oy * s + ky - top, ix = ox * s + kx - left;
            if (iy < 0 || iy >= x.H || ix < 0 || ix >= x.W) continue;
            for (var ci = 0; ci < x.C; ci++)
            {
                var v = x[iy, ix, ci];
                if (depthwise) o[oy, ox, ci] += v * kernel[(ky * k + kx) * x.C + ci];
                else
                    for (var co = 0; co < cout; co++)
                        o[oy, ox, co] += v * kernel[((ky * k + kx) * x.C + ci) * cout + co];
            }
        }
        return o;
    }

    private static Tensor Pool(Tensor x, int k, int s, KerasPadding p, bool average)
    {
        var (oh, top) = Geometry(x.H, k, s, p);
        var (ow, left) = Geometry(x.W, k, s, p);
        var o = new Tensor(oh, ow, x.C);
        for (var oy = 0; oy < oh; oy++)
        for (var ox = 0; ox < ow; ox++)
        for (var c = 0; c < x.C; c++)
        {
            float acc = average ? 0 : float.NegativeInfinity;
            var n = 0;
            for (var ky = 0; ky < k; ky++)
            for (var kx = 0; kx < k; kx++)
            {
                int iy = oy * s + ky - top, ix = ox * s + kx - left;
                if (iy < 0 || iy >= x.H || ix < 0 || ix >= x.W) continue; // TF: padding never counts
                acc = average ? acc + x[iy, ix, c] : MathF.Max(acc, x[iy, ix, c]);
                n++;
            }
            o[oy, ox, c] = average ? acc / n : acc;
        }
        return o;
    }

    /// <summary>Moves the map by (dy, dx) into an h×w canvas of zeros: padding (positive) or cropping (negative).</summary>
    private static Tensor Shift(Tensor x, int dy, int dx, int h, int w)
    {
        var o = new Tensor(h, w, x.C);
        for (var y = 0; y < x.H; y++)
        for (var xx = 0; xx < x.W; xx++)
        {
            int ty = y + dy, tx = xx + dx;
            if (ty < 0 || ty >= h || tx < 0 || tx >= w) continue;
            for (var c = 0; c < x.C; c++) o[ty, tx, c] = x[y, xx, c];
        }
        return o;
    }

    private static Tensor Map(Tensor x, Func<float, int, float> f)
    {
        var o = new Tensor(x.H, x.W, x.C);
        for (var i = 0; i < x.Data.Length; i++) o.Data[i] = f(x.Data[i], i % x.C);
        return o;
    }

    private static Tensor Zip(Tensor a, Tensor b)
    {
        var o = new Tensor(a.H, a.W, a.C);
        for (var i = 0; i < a.Data.Length; i++) o.Data[i] = a.Data[i] + b.Data[i];
        return o;
    }

    private static Tensor Concat(IReadOnlyList<Tensor> xs)
    {
        var o = new Tensor(xs[0].H, xs[0].W, xs.Sum(t => t.C));
        for (var y = 0; y < o.H; y++)
        for (var x = 0; x < o.W; x++)
        {
            var c0 = 0;
            foreach (var t in xs)
            {
                for (var c = 0; c < t.C; c++) o[y, x, c0 + c] = t[y, x, c];
                c0 += t.C;
            }
        }
        return o;
    }
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.Cli.Tests.Fixtures;

/// <summary>
/// The README's recipe for the ONNX export's input ("Export": crop plan, triangle resampler, rounding), written out
/// independently of ImageSharp's resizer, as a client in another language would: if the README's description drifts
/// from what Graft does, the export tests catch it.
/// </summary>
public static class DocumentedPreprocessing
{
    /// <summary>An upright RGB image (already decoded, EXIF orientation applied) → float32 RGB planes 0..255 of
    /// <paramref name="size"/>×<paramref name="size"/>, for a center-crop backbone with crop fraction 1.</summary>
    public static float[] Tensor(Image<Rgb24> image, int size)
    {
        int w = image.Width, h = image.Height;
        var (rw, rh) = w <= h ? (size, (int)((long)size * h / w)) : ((int)((long)size * w / h), size);
        int left = (int)Math.Round((rw - size) / 2.0, MidpointRounding.ToEven);
        int top = (int)Math.Round((rh - size) / 2.0, MidpointRounding.ToEven);
        var wx = Weights(w, rw, left, size);
        var wy = Weights(h, rh, top, size);

        var pixels = new Rgb24[w * h];
        image.CopyPixelDataTo(pixels);
        // Vertical pass then horizontal, in double, no rounding between passes.
        var columns = new double[size, w, 3];
        for (var y = 0; y < size; y++)
            foreach (var (j, weight) in wy[y])
                for (var x = 0; x < w; x++)
                {
                    var p = pixels[j * w + x];
                    columns[y, x, 0] += weight * p.R;
                    columns[y, x, 1] += weight * p.G;
                    columns[y, x, 2] += weight * p.B;
                }
        var tensor = new float[3 * size * size];
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                for (var c = 0; c < 3; c++)
                {
                    var v = 0.0;
                    foreach (var (j, weight) in wx[x]) v += weight * columns[y, j, c];
                    tensor[c * size * size + y * size + x] = (float)Math.Clamp(Math.Floor(v + 0.5), 0, 255);
                }
        return tensor;
    }

    /// <summary>Taps and normalised weights of output pixels <paramref name="offset"/>.. of a resize from
    /// <paramref name="source"/> to <paramref name="resized"/> pixels (triangle filter widened by the scale).</summary>
    private static List<(int Index, double Weight)>[] Weights(int source, int resized, int offset, int count)
    {
        var ratio = (double)source / resized;
        var scale = Math.Max(ratio, 1.0);
        var radius = Math.Ceiling(scale);
        var result = new List<(int, double)>[count];
        for (var k = 0; k < count; k++)
        {
            var center = (k + offset + 0.5) * ratio - 0.5;
            var first = Math.Max(0, (int)Math.Ceiling(center - radius));
            var last = Math.Min(source - 1, (int)Math.Floor(center + radius));
            var taps = Enumerable.Range(first, last - first + 1).Select(j => (j, Math.Max(0, 1 - Math.Abs(j - center) / scale))).ToList();
            var sum = taps.Sum(t => t.Item2);
            result[k] = taps.Select(t => (t.Item1, t.Item2 / sum)).ToList();
        }
        return result;
    }

}

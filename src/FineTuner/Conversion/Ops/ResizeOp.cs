using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX Resize (opset 10–19) and Upsample (opset 7–9): "nearest" (nearest_mode round_prefer_floor, round_prefer_ceil,
/// floor, ceil), "linear" (bilinear/trilinear) and "cubic" (cubic_coeff_a, exclude_outside) — each separable, one axis
/// at a time, as gathers of edge-clamped taps with weights — with coordinate_transformation_mode half_pixel,
/// half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn. Output sizes come from scales (⌊in · scale⌋) or sizes, optionally for the listed
/// axes only (opset 18). Upsample and opset-10 Resize use ONNX Runtime's legacy rule: asymmetric coordinates, nearest =
/// floor when upsampling and ceil when downsampling. Source coordinates are computed in float32 as ONNX Runtime does,
/// so nearest-neighbour ties resolve the same way. Refused clearly: tf_crop_and_resize, antialias,
/// keep_aspect_ratio_policy other than stretch.
/// </summary>
internal sealed class ResizeOp : OnnxOp
{
    private enum Mode { Nearest, Linear, Cubic }

    private readonly Mode _mode;
    private readonly float _cubicA;
    private readonly bool _excludeOutside;
    private readonly string _transform;
    private readonly string _nearestMode;
    private readonly bool _legacy;
    private readonly float[]? _scalesAttribute;
    private readonly long[]? _axes;

    public ResizeOp(NodeAttributes a, int opset) : base(a.Node)
    {
        var mode = a.String("mode", "nearest");
        _mode = mode switch
        {
            "nearest" => Mode.Nearest,
            "linear" or "bilinear" or "trilinear" => Mode.Linear,
            "cubic" or "bicubic" => Mode.Cubic,
            _ => throw Unsupported($"{a.Node.OpType} mode '{mode}' (nearest, linear and cubic are)"),
        };
        _cubicA = a.Float("cubic_coeff_a", -0.75f);
        _excludeOutside = a.Int("exclude_outside", 0) != 0;
        _legacy = a.Node.OpType == "Upsample" || opset < 11;
        _transform = _legacy ? "asymmetric" : a.String("coordinate_transformation_mode", "half_pixel");
        if (_transform is not ("half_pixel" or "half_pixel_symmetric" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn"))
            throw Unsupported($"Resize coordinate_transformation_mode '{_transform}'");
        _nearestMode = _legacy ? "legacy" : a.String("nearest_mode", "round_prefer_floor");
        if (_nearestMode is not ("legacy" or "round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw Unsupported($"Resize nearest_mode '{_nearestMode}'");
        if (a.Int("antialias", 0) != 0) throw Unsupported("Resize with antialias = 1");
        var policy = a.String("keep_aspect_ratio_policy", "stretch");
        if (policy != "stretch") throw Unsupported($"Resize keep_aspect_ratio_policy '{policy}'");
        _scalesAttribute = a.Floats("scales");
        _axes = a.Ints("axes");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var rank = (int)x.dim();
        // Upsample-9 and Resize-10: X, scales. Resize-11+: X, roi, scales, sizes.
        var scalesInput = _legacy ? Optional(inputs, 1) : Optional(inputs, 2);
        var sizesInput = _legacy ? null : Optional(inputs, 3);
        var axes = (_axes ?? Enumerable.Range(0, rank).Select(i => (long)i).ToArray()).Select(a => Axis(a, rank)).ToArray();

        var scales = new float[rank];
        var outSizes = x.shape.ToArray();
        Array.Fill(scales, 1f);
        if (sizesInput is { } sz && sz.numel() > 0)
        {
            var sizes = Longs(sz);
            if (sizes.Length != axes.Length) throw new GraftException($"{Describe}: {sizes.Length} sizes for {axes.Length} axes.");
            for (var i = 0; i < axes.Length; i++)
            {
                outSizes[axes[i]] = sizes[i];
                scales[axes[i]] = (float)sizes[i] / x.shape[axes[i]];
            }
        }
        else
        {
            var given = scalesInput is { } sc && sc.numel() > 0 ? Storage.TensorValues.Floats(sc) : _scalesAttribute
                ?? throw new GraftException($"{Describe}: neither scales nor sizes are given.");
            if (given.Length != axes.Length) throw new GraftException($"{Describe}: {given.Length} scales for {axes.Length} axes.");
            for (var i = 0; i < axes.Length; i++)
            {
                if (given[i] <= 0) throw new GraftException($"{Describe}: scale {given[i]} is not positive.");
                scales[axes[i]] = given[i];
                var exact = x.shape[axes[i]] * given[i];
                outSizes[axes[i]] = (long)Math.Floor((double)exact);
                // These modes divide by the output length: ONNX's reference takes in·scale, ONNX Runtime the floored
                // integer. They agree only when in·scale is whole; otherwise no answer is right for both.
                if (_transform is "align_corners" or "half_pixel_symmetric" && exact != outSizes[axes[i]])
                    throw Unsupported($"Resize {_transform} with a scale whose output length {x.shape[axes[i]]}×{given[i]} is not whole (give sizes instead)");
            }
        }

        var result = x.alias();
        for (var d = 0; d < rank; d++)
        {
            var next = ResizeAxis(result, d, x.shape[d], outSizes[d], scales[d]);
            if (next is null) continue;
            result.Dispose();
            result = next;
        }
        return [result];
    }

    /// <summary>Resamples one axis; null when the axis maps onto itself exactly. An axis with scale 1 and unchanged
    /// size is left alone whatever the coordinate mode — ONNX Runtime's rule (a literal tf_half_pixel_for_nn would
    /// shift batch and channels by half a pixel).</summary>
    private Tensor? ResizeAxis(Tensor t, int axis, long inSize, long outSize, float scale)
    {
        if (scale == 1f && inSize == outSize) return null;
        // Each output position reads `taps` input positions (clamped to the edge, as ONNX pads with edge values)
        // with weights: nearest 1, linear 2 (floor, floor + 1), cubic 4 (floor − 1 … floor + 2).
        var taps = _mode switch { Mode.Nearest => 1, Mode.Linear => 2, _ => 4 };
        var index = new long[taps][];
        var weight = new float[taps][];
        for (var k = 0; k < taps; k++)
        {
            index[k] = new long[outSize];
            weight[k] = new float[outSize];
        }
        var identity = outSize == inSize;
        for (long i = 0; i < outSize; i++)
        {
            var source = Source(i, inSize, outSize, scale);
            switch (_mode)
            {
                case Mode.Nearest:
                    index[0][i] = Math.Clamp(Nearest(source, scale), 0, inSize - 1);
                    weight[0][i] = 1f;
                    break;
                case Mode.Linear:
                    // ONNX Runtime clamps the coordinate first; identical to edge padding for two taps.
                    var clamped = Math.Clamp(source, 0f, inSize - 1);
                    var floor = Math.Min((long)clamped, inSize - 1);
                    index[0][i] = floor;
                    index[1][i] = Math.Min(floor + 1, inSize - 1);
                    var r = index[1][i] == floor ? 0f : clamped - floor;
                    weight[0][i] = 1f - r;
                    weight[1][i] = r;
                    break;
                default:
                    CubicTaps(source, inSize, i, index, weight);
                    break;
            }
            identity &= index[0][i] == i && weight[0][i] == 1f;
        }
        if (identity) return null;
        using var scope = NewDisposeScope();
        var shape = Enumerable.Repeat(1L, (int)t.dim()).ToArray();
        shape[axis] = outSize;
        Tensor? sum = null;
        for (var k = 0; k < taps; k++)
        {
            if (k > 0 && weight[k].All(w => w == 0f)) continue;
            var picked = t.index_select(axis, tensor(index[k], device: t.device));
            var term = taps == 1 ? picked : picked.mul(tensor(weight[k], shape, dtype: t.dtype, device: t.device));
            sum = sum is null ? term : sum.add(term);
        }
        return sum!.MoveToOuterDisposeScope();
    }

    /// <summary>Keys' cubic convolution with coefficient A (cubic_coeff_a, −0.75 as torch's bicubic; −0.5 as
    /// TensorFlow's) over floor − 1 … floor + 2; exclude_outside drops taps outside the input and renormalises.</summary>
    private void CubicTaps(float source, long inSize, long i, long[][] index, float[][] weight)
    {
        var floor = (long)MathF.Floor(source);
        var r = source - floor;
        double a = _cubicA;
        double[] distances = [1 + r, r, 1 - r, 2 - r];
        var total = 0.0;
        var w = new double[4];
        for (var k = 0; k < 4; k++)
        {
            var d = distances[k];
            w[k] = d <= 1 ? ((a + 2) * d - (a + 3)) * d * d + 1 : ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
            var position = floor - 1 + k;
            if (_excludeOutside && (position < 0 || position >= inSize)) w[k] = 0;
            total += w[k];
            index[k][i] = Math.Clamp(position, 0, inSize - 1);
        }
        for (var k = 0; k < 4; k++) weight[k][i] = (float)(_excludeOutside ? w[k] / total : w[k]);
    }

    /// <summary>x_resized → x_original, in float32 (ONNX Runtime's arithmetic).</summary>
    private float Source(long i, long inSize, long outSize, float scale)
    {
        var x = (float)i;
        return _transform switch
        {
            "asymmetric" => x / scale,
            "align_corners" => outSize == 1 ? 0f : x * (inSize - 1) / (outSize - 1),
            "pytorch_half_pixel" => outSize > 1 ? (x + 0.5f) / scale - 0.5f : 0f,
            "tf_half_pixel_for_nn" => (x + 0.5f) / scale,
            "half_pixel_symmetric" => HalfPixelSymmetric(x, inSize, outSize, scale),
            _ => (x + 0.5f) / scale - 0.5f,
        };
    }

    private static float HalfPixelSymmetric(float x, long inSize, long outSize, float scale)
    {
        var adjustment = outSize / (scale * inSize);
        var center = inSize / 2f;
        var offset = center * (1 - adjustment);
        return offset + (x + 0.5f) / scale - 0.5f;
    }

    private long Nearest(float source, float scale) => _nearestMode switch
    {
        "floor" => (long)MathF.Floor(source),
        "ceil" => (long)MathF.Ceiling(source),
        "round_prefer_ceil" => (long)MathF.Round(source, MidpointRounding.AwayFromZero),
        "legacy" => scale < 1f ? (long)MathF.Ceiling(source) : (long)source,
        _ => source == (long)source + 0.5f ? (long)MathF.Floor(source) : (long)MathF.Round(source, MidpointRounding.AwayFromZero),
    };
}

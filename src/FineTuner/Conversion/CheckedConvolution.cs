using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion;

/// <summary>
/// 2-D convolution that trusts libtorch's CPU kernel only where it was checked. On some hosts libtorch 2.10's oneDNN
/// convolution computes wrong results for some shapes — measured on a virtualised AMD EPYC (AVX2 and AVX-512): input
/// channels not a multiple of 8 (20→40, 42→42, 168→168, 3×3) off by up to 30 % of the output's scale, correct again
/// with oneDNN limited to SSE4.1 — while ONNX Runtime and float64 agree. So each distinct configuration (shapes,
/// strides, padding, dilation, groups) is checked once per process against unfold + matmul, forward and gradients, on
/// inputs made without the random generator (a resumed run must draw the same dropout masks as an uninterrupted one);
/// a configuration that disagrees runs as unfold + matmul from then on.
/// </summary>
public static class CheckedConvolution
{
    private static readonly ConcurrentDictionary<string, bool> Trusted = new(StringComparer.Ordinal);

    /// <summary>Configurations found wrong in this process (they run as unfold + matmul).</summary>
    public static IReadOnlyList<string> Untrusted => Trusted.Where(kv => !kv.Value).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>F.conv2d with symmetric padding, checked as described above on the CPU in float32.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long[] strides, long[] padding, long[] dilations, long groups)
    {
        if (x.device_type != DeviceType.CPU || x.dtype != ScalarType.Float32)
            return F.conv2d(x, weight, bias, strides, padding, dilations, groups);
        if (weight.shape[2] == 1 && weight.shape[3] == 1 && (strides[0] > 1 || strides[1] > 1))
            return StridedPointwise(x, weight, bias, strides, padding, groups);
        var key = $"x[{x.shape[1]},{x.shape[2]},{x.shape[3]}] w[{string.Join(',', weight.shape)}] stride {strides[0]},{strides[1]} "
            + $"pad {padding[0]},{padding[1]} dilation {dilations[0]},{dilations[1]} groups {groups}";
        var trusted = Trusted.GetOrAdd(key, _ => Agrees(x.shape, weight.shape, bias is not null, strides, padding, dilations, groups));
        return trusted ? F.conv2d(x, weight, bias, strides, padding, dilations, groups) : Unfolded(x, weight, bias, strides, padding, dilations, groups);
    }

    /// <summary>A 1×1 convolution with stride s reads every s-th pixel: take those pixels, then convolve with stride 1.
    /// The same numbers with less work — and it keeps away from libtorch 2.10's strided 1×1 backward-data kernel, which
    /// kills the process with SIGFPE on AMD Zen 5 (EPYC family 26) from 1 024 output channels up: ResNet-50's and
    /// ResNeXt's downsampling shortcuts (measured: 512→1024 and 1024→2048, stride 2).</summary>
    private static Tensor StridedPointwise(Tensor x, Tensor weight, Tensor? bias, long[] strides, long[] padding, long groups)
    {
        using var padded = padding[0] != 0 || padding[1] != 0 ? F.pad(x, [padding[1], padding[1], padding[0], padding[0]]) : x.alias();
        using var sampled = padded[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(null, null, strides[0]), TensorIndex.Slice(null, null, strides[1])];
        return Conv2d(sampled, weight, bias, [1, 1], [0, 0], [1, 1], groups);
    }

    /// <summary>Convolution as unfold (im2col) + batched matmul over groups: plain GEMMs, which compute correctly where
    /// the convolution kernel does not; autograd gives the gradients.</summary>
    public static Tensor Unfolded(Tensor x, Tensor weight, Tensor? bias, long[] strides, long[] padding, long[] dilations, long groups)
    {
        long n = x.shape[0], outChannels = weight.shape[0], kh = weight.shape[2], kw = weight.shape[3];
        var height = (x.shape[2] + 2 * padding[0] - dilations[0] * (kh - 1) - 1) / strides[0] + 1;
        var width = (x.shape[3] + 2 * padding[1] - dilations[1] * (kw - 1) - 1) / strides[1] + 1;
        using var columns = F.unfold(x, (kh, kw), (dilations[0], dilations[1]), (padding[0], padding[1]), (strides[0], strides[1]));
        // unfold orders rows channel-major (C, kh, kw), so each group's rows are contiguous.
        using var grouped = columns.view(n, groups, -1, height * width);
        using var kernel = weight.view(1, groups, outChannels / groups, -1);
        using var product = kernel.matmul(grouped);
        var y = product.view(n, outChannels, height, width);
        if (bias is null) return y;
        using (y)
        using (var b = bias.view(1, outChannels, 1, 1))
            return y.add(b);
    }

    private static bool Agrees(long[] xShape, long[] wShape, bool hasBias, long[] strides, long[] padding, long[] dilations, long groups)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        long[] shape = [Math.Min(2, xShape[0]), .. xShape[1..]];
        var x = Pattern(shape, 0.7311, 1).requires_grad_(true);
        var w = Pattern(wShape, 1.3771, 0.1).requires_grad_(true);
        var b = hasBias ? Pattern([wShape[0]], 0.531, 0.1).requires_grad_(true) : null;
        var fast = F.conv2d(x, w, b, strides, padding, dilations, groups);
        var reference = Unfolded(x, w, b, strides, padding, dilations, groups);
        if (!fast.shape.SequenceEqual(reference.shape)) return false;
        var probe = Pattern(fast.shape, 0.913, 1);
        Tensor[] inputs = b is null ? [x, w] : [x, w, b];
        var fastGrads = autograd.grad([(fast * probe).sum()], inputs);
        var referenceGrads = autograd.grad([(reference * probe).sum()], inputs);
        return Close(fast, reference) && fastGrads.Zip(referenceGrads).All(p => Close(p.First, p.Second));
    }

    /// <summary>Deterministic values in [−scale, scale] without touching the random generator.</summary>
    private static Tensor Pattern(long[] shape, double frequency, double scale)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        return arange(count, dtype: ScalarType.Float32).mul(frequency).sin().mul(scale).reshape(shape);
    }

    private static bool Close(Tensor a, Tensor b)
    {
        var scale = Math.Max(1.0, b.abs().max().item<float>());
        var diff = (a - b).abs().max().item<float>();
        return double.IsFinite(diff) && diff <= 1e-3 * scale;
    }
}

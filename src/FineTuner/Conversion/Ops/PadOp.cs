using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX Pad (constant, reflect, edge). pads = [x1_begin, x2_begin, …, x1_end, x2_end] from the attribute
/// (opset &lt; 11) or the second input, with optional constant_value and (opset 18) axes inputs. Negative pads crop,
/// as in ONNX. Keras's ZeroPadding2D in NASNet arrives as a constant Pad. Reflect and edge padding of the last two
/// axes use libtorch's own kernels; any other axes (a 3-D ReplicationPad, a channel axis) gather rows by index,
/// which libtorch differentiates like any index_select.
/// </summary>
internal sealed class PadOp : OnnxOp
{
    private readonly long[]? _pads;
    private readonly float _value;
    private readonly PaddingModes _mode;

    public PadOp(NodeAttributes a) : base(a.Node)
    {
        _pads = a.Ints("pads") ?? a.Ints("paddings");
        _value = a.Float("value", 0f);
        _mode = a.String("mode", "constant") switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            var m => throw Unsupported($"Pad mode '{m}'"),
        };
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var rank = (int)x.dim();
        var pads = Optional(inputs, 1) is { } p ? Longs(p) : _pads ?? throw new GraftException($"{Describe}: no pads given.");
        var value = Optional(inputs, 2) is { } v ? Scalar(v) : _value;
        var axes = Optional(inputs, 3) is { } a ? Longs(a).Select(i => Axis(i, rank)).ToArray() : Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        if (pads.Length != 2 * axes.Length) throw new GraftException($"{Describe}: {pads.Length} pads for {axes.Length} axes.");

        var begin = new long[rank];
        var end = new long[rank];
        for (var i = 0; i < axes.Length; i++)
        {
            begin[axes[i]] = pads[i];
            end[axes[i]] = pads[i + axes.Length];
        }
        // TorchSharp orders pads from the last dimension backwards: [last_begin, last_end, previous_begin, …].
        var last = Array.FindIndex(Enumerable.Range(0, rank).Select(d => begin[d] != 0 || end[d] != 0).ToArray(), b => b);
        if (last < 0) return [x.alias()];
        var torchPads = new List<long>();
        for (var d = rank - 1; d >= last; d--)
        {
            torchPads.Add(begin[d]);
            torchPads.Add(end[d]);
        }
        if (_mode != PaddingModes.Constant && last < rank - 2) return [PadByIndex(x, begin, end)];
        return [F.pad(x, torchPads.ToArray(), _mode, value)];
    }

    /// <summary>Reflect or edge padding along any axes, one index_select per padded axis (numpy's rule: reflect
    /// repeats its mirror when a pad exceeds the axis, as ONNX's reference does).</summary>
    private Tensor PadByIndex(Tensor x, long[] begin, long[] end)
    {
        if (begin.Concat(end).Any(p => p < 0))
            throw Unsupported($"negative pads (cropping) with {_mode} padding of other than the last two dimensions");
        var y = x.alias();
        for (var d = 0; d < begin.Length; d++)
        {
            if (begin[d] == 0 && end[d] == 0) continue;
            var n = y.shape[d];
            if (n == 0 || (_mode == PaddingModes.Reflect && n == 1))
                throw new GraftException($"{Describe}: cannot {_mode.ToString().ToLowerInvariant()}-pad axis {d} of size {n}.");
            var index = new long[n + begin[d] + end[d]];
            for (var j = 0; j < index.Length; j++)
            {
                var source = j - begin[d];
                index[j] = _mode == PaddingModes.Replicate ? Math.Clamp(source, 0, n - 1) : Mirror(source, n);
            }
            using var indices = tensor(index, device: y.device);
            var next = y.index_select(d, indices);
            y.Dispose();
            y = next;
        }
        return y;
    }

    private static long Mirror(long i, long n)
    {
        var period = 2 * (n - 1);
        var m = ((i % period) + period) % period;
        return m < n ? m : period - m;
    }
}

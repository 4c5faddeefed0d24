using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX Slice: starts/ends/axes from attributes (opset &lt; 10) or inputs (with optional steps). Out-of-range bounds
/// are clamped as ONNX specifies (INT64_MAX means "to the end"); NASNet's Cropping2D and torchvision's channel splits
/// use it. Negative steps (reversal) pick start, start + step, … as ONNX clamps them.
/// </summary>
internal sealed class SliceOp : OnnxOp
{
    private readonly long[]? _starts;
    private readonly long[]? _ends;
    private readonly long[]? _axes;

    public SliceOp(NodeAttributes a) : base(a.Node)
    {
        _starts = a.Ints("starts");
        _ends = a.Ints("ends");
        _axes = a.Ints("axes");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (_starts is not null && _ends is not null)
        {
            (starts, ends, axes) = (_starts, _ends, _axes);
        }
        else
        {
            starts = Longs(Input(inputs, 1));
            ends = Longs(Input(inputs, 2));
            axes = Optional(inputs, 3) is { } a ? Longs(a) : null;
            steps = Optional(inputs, 4) is { } s ? Longs(s) : null;
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();

        var result = x.alias();
        for (var i = 0; i < starts.Length; i++)
        {
            var axis = Axis(axes[i], x.dim());
            var step = steps?[i] ?? 1;
            if (step == 0) throw new GraftException($"{Describe}: Slice step 0.");
            var size = x.shape[axis];
            if (step < 0)
            {
                // ONNX: start clamps to [0, size − 1], end to [−1, size − 1]; elements start, start + step, … > end.
                var first = Math.Clamp(starts[i] < 0 ? starts[i] + size : starts[i], 0, size - 1);
                var stop = Math.Clamp(ends[i] < 0 ? ends[i] + size : ends[i], -1, size - 1);
                var count = size == 0 || first <= stop ? 0 : (first - stop + (-step) - 1) / -step;
                using var picks = torch.arange(first, first + step * count, step, ScalarType.Int64, device: result.device);
                var reversed = count == 0 ? result.narrow(axis, 0, 0) : result.index_select(axis, picks);
                result.Dispose();
                result = reversed;
                continue;
            }
            var start = Math.Clamp(starts[i] < 0 ? starts[i] + size : starts[i], 0, size);
            var end = Math.Clamp(ends[i] < 0 ? ends[i] + size : ends[i], 0, size);
            if (end < start) end = start;
            var next = result.slice(axis, start, end, step);
            result.Dispose();
            result = next;
        }
        return [result];
    }
}

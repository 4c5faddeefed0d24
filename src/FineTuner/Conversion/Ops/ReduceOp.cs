using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX ReduceMean / ReduceSum / ReduceMax; axes from the attribute or (opset ≥ 18, ReduceSum ≥ 13) the
/// second input; no axes means all of them unless noop_with_empty_axes.</summary>
internal sealed class ReduceOp : OnnxOp
{
    private readonly long[]? _axes;
    private readonly bool _keepDims;
    private readonly bool _noopWithEmptyAxes;
    private readonly string _kind;

    public ReduceOp(NodeAttributes a) : base(a.Node)
    {
        _axes = a.Ints("axes");
        _keepDims = a.Int("keepdims", 1) != 0;
        _noopWithEmptyAxes = a.Int("noop_with_empty_axes", 0) != 0;
        _kind = a.Node.OpType;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var axes = Optional(inputs, 1) is { } t ? Longs(t) : _axes;
        if (axes is null || axes.Length == 0)
        {
            if (_noopWithEmptyAxes) return [x.alias()];
            axes = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
        }
        var dims = axes.Select(a => Axis(a, x.dim())).ToArray();
        return [_kind switch
        {
            "ReduceMean" => x.mean(dims, _keepDims),
            "ReduceSum" => x.sum(dims, _keepDims),
            "ReduceMax" => x.amax(dims, _keepDims),
            _ => throw Unsupported(_kind),
        }];
    }
}

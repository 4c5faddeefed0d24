using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Expand: broadcasts the input with the shape input in both directions (numpy rules: the result takes
/// the larger of each aligned pair of dimensions, so a 1 in the shape keeps the input's size). Gradients sum back over
/// the broadcast dimensions (ViT's class token is an Expand of a Parameter).</summary>
internal sealed class ExpandOp : OnnxOp
{
    public ExpandOp(NodeAttributes a) : base(a.Node)
    {
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var shape = Longs(Input(inputs, 1));
        var rank = Math.Max(shape.Length, (int)x.dim());
        var target = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var a = i - (rank - (int)x.dim()) is var xi && xi >= 0 ? x.shape[xi] : 1;
            var b = i - (rank - shape.Length) is var si && si >= 0 ? shape[si] : 1;
            if (a != b && a != 1 && b != 1)
                throw new GraftException($"{Describe}: cannot broadcast shape [{string.Join(", ", x.shape)}] to [{string.Join(", ", shape)}].");
            target[i] = a == 1 ? b : a;
        }
        using var view = x.expand(target);
        return [view.contiguous()];
    }
}

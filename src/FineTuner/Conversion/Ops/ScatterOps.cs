using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX ScatterND with reduction "none" (torch exports of in-place slice assignment, e.g. Swin's attention-mask
/// construction): a copy of data with data[indices[…, :]] = updates, where the last dimension of indices (k ≤ rank)
/// addresses the first k dimensions. Runs as torch's index_put, so gradients reach data (outside the written slots)
/// and updates. Reductions (add, mul, max, min) are refused.
/// </summary>
internal sealed class ScatterNdOp : OnnxOp
{
    public ScatterNdOp(NodeAttributes a) : base(a.Node)
    {
        var reduction = a.String("reduction", "none");
        if (reduction != "none") throw Unsupported($"ScatterND reduction '{reduction}'");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var data = Input(inputs, 0);
        var indices = Input(inputs, 1);
        var updates = Input(inputs, 2);
        var k = indices.dim() == 0 ? 0 : indices.shape[^1];
        if (indices.dim() == 0 || k > data.dim())
            throw new GraftException($"{Describe}: indices of shape [{string.Join(", ", indices.shape)}] do not address data of rank {data.dim()}.");
        var expected = indices.shape.SkipLast(1).Concat(data.shape.Skip((int)k)).ToArray();
        if (!updates.shape.SequenceEqual(expected))
            throw new GraftException($"{Describe}: updates have shape [{string.Join(", ", updates.shape)}], expected [{string.Join(", ", expected)}].");
        using var scope = NewDisposeScope();
        var where = indices.to(ScalarType.Int64, data.device);
        var index = new TensorIndex[k];
        for (var j = 0; j < k; j++)
        {
            var column = where.select(-1, j);
            // Negative indices count from the end (ONNX); out-of-range ones are an error, as in ONNX Runtime.
            index[j] = TensorIndex.Tensor(column.remainder(data.shape[j]));
        }
        var result = data.clone();
        result.index_put_(updates.to(data.dtype), index);
        return [result.MoveToOuterDisposeScope()];
    }
}

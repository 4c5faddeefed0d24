using static TorchSharp.torch;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX ScatterND: a copy of <c>data</c> with the slices addressed by the last axis of <c>indices</c> replaced by
/// <c>updates</c> (reduction "none", or summed into them with "add"). torch exports slice assignment
/// (<c>mask[h0:h1, w0:w1] = k</c>, Swin's shifted-window mask) this way. Computed out of place with
/// <c>index_copy</c>/<c>index_add</c> over the flattened addressed axes, so gradients reach both data and updates.
/// </summary>
internal sealed class ScatterNDOp : OnnxOp
{
    private readonly string _reduction;

    public ScatterNDOp(NodeAttributes a) : base(a.Node) => _reduction = a.String("reduction", "none");

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        if (_reduction is not ("none" or "add")) throw Unsupported($"ScatterND reduction '{_reduction}'");
        var data = Input(inputs, 0);
        var indices = Input(inputs, 1);
        var updates = Input(inputs, 2);
        var k = indices.shape[^1];
        if (k < 1 || k > data.dim()) throw new GraftException($"{Describe}: indices address {k} axes of a rank-{data.dim()} tensor.");
        var addressed = data.shape[..(int)k];
        var rest = data.shape[(int)k..];

        // Linear index over the addressed axes (negative indices count from the end, as ONNX allows).
        using var idx = indices.to_type(ScalarType.Int64).reshape(-1, k);
        using var sizes = tensor(addressed, device: data.device);
        using var negative = idx.lt(0);
        using var shifted = idx.add(sizes);
        using var wrapped = where(negative, shifted, idx);
        var strides = new long[k];
        strides[^1] = 1;
        for (var j = (int)k - 2; j >= 0; j--) strides[j] = strides[j + 1] * addressed[j + 1];
        using var strideTensor = tensor(strides, device: data.device);
        using var weighted = wrapped.mul(strideTensor);
        using var linear = weighted.sum(1);

        var flatShape = new[] { addressed.Aggregate(1L, (a, b) => a * b) }.Concat(rest).ToArray();
        using var flat = data.reshape(flatShape);
        using var source = updates.to_type(data.dtype).reshape(new[] { linear.shape[0] }.Concat(rest).ToArray());
        using var scattered = _reduction == "add" ? flat.index_add(0, linear, source, 1) : flat.index_copy(0, linear, source);
        return [scattered.reshape(data.shape)];
    }
}

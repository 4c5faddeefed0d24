using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Gemm: Y = alpha·A'·B' + beta·C (A' = Aᵀ when transA, B' = Bᵀ when transB). torchvision's Linear
/// exports transB = 1, alpha = beta = 1, which runs as one F.linear.</summary>
internal sealed class GemmOp : OnnxOp
{
    private readonly float _alpha;
    private readonly float _beta;
    private readonly bool _transA;
    private readonly bool _transB;

    public GemmOp(NodeAttributes a) : base(a.Node)
    {
        _alpha = a.Float("alpha", 1f);
        _beta = a.Float("beta", 1f);
        _transA = a.Int("transA", 0) != 0;
        _transB = a.Int("transB", 0) != 0;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var a = Input(inputs, 0);
        var b = Input(inputs, 1);
        var c = Optional(inputs, 2);
        if (!_transA && _transB && _alpha == 1f && (c is null || _beta == 1f && c.dim() <= 1))
            return [F.linear(a, b, c)];
        using var at = _transA ? a.t() : a.alias();
        using var bt = _transB ? b.t() : b.alias();
        // Checked here: TorchSharp's native matmul lets a libtorch shape error abort the process.
        if (at.dim() != 2 || bt.dim() != 2 || at.shape[1] != bt.shape[0])
            throw new GraftException($"{Describe}: cannot multiply shapes [{string.Join(", ", at.shape)}] and [{string.Join(", ", bt.shape)}].");
        using var product = at.matmul(bt);
        using var scaled = _alpha == 1f ? product.alias() : product.mul(_alpha);
        if (c is null || _beta == 0f) return [scaled.alias()];
        using var bias = _beta == 1f ? c.alias() : c.mul(_beta);
        return [scaled.add(bias)];
    }
}

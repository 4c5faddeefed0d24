using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX activations, each written to the operator's definition with its attribute defaults (alpha, beta, gamma…), so
/// non-default exports (Keras's HardSigmoid 0.2/0.5, torch's 1/6/0.5) compute what ONNX Runtime computes.
/// </summary>
internal static class ActivationOps
{
    public static FuncOp Relu(NodeAttributes a) => ElementwiseOps.Unary(a, x => x.relu());

    public static FuncOp Sigmoid(NodeAttributes a) => ElementwiseOps.Unary(a, x => x.sigmoid());

    public static FuncOp Tanh(NodeAttributes a) => ElementwiseOps.Unary(a, x => x.tanh());

    public static FuncOp LeakyRelu(NodeAttributes a)
    {
        var alpha = a.Float("alpha", 0.01f);
        return ElementwiseOps.Unary(a, x => F.leaky_relu(x, alpha));
    }

    /// <summary>HardSigmoid: max(0, min(1, alpha·x + beta)), defaults alpha 0.2, beta 0.5.</summary>
    public static FuncOp HardSigmoid(NodeAttributes a)
    {
        var alpha = a.Float("alpha", 0.2f);
        var beta = a.Float("beta", 0.5f);
        return ElementwiseOps.Unary(a, x =>
        {
            using var scaled = x.mul(alpha);
            using var shifted = scaled.add(beta);
            return shifted.clamp(0f, 1f);
        });
    }

    /// <summary>HardSwish: x · max(0, min(1, x/6 + 1/2)) — torch's hardswish exactly.</summary>
    public static FuncOp HardSwish(NodeAttributes a) => ElementwiseOps.Unary(a, x => F.hardswish(x));

    /// <summary>Elu: x for x ≥ 0, alpha·(eˣ − 1) below (alpha 1).</summary>
    public static FuncOp Elu(NodeAttributes a)
    {
        var alpha = a.Float("alpha", 1f);
        return ElementwiseOps.Unary(a, x => F.elu(x, alpha));
    }

    /// <summary>Selu: gamma·x for x &gt; 0, gamma·alpha·(eˣ − 1) otherwise, with ONNX's float defaults.</summary>
    public static FuncOp Selu(NodeAttributes a)
    {
        var alpha = a.Float("alpha", 1.67326319217681884765625f);
        var gamma = a.Float("gamma", 1.05070102214813232421875f);
        return ElementwiseOps.Unary(a, x =>
        {
            using var negative = F.elu(x, alpha);
            return negative.mul(gamma);
        });
    }

    /// <summary>Softplus: ln(eˣ + 1). torch's softplus switches to x above 20, where the two differ by under 2e-9.</summary>
    public static FuncOp Softplus(NodeAttributes a) => ElementwiseOps.Unary(a, x => F.softplus(x));

    /// <summary>Softsign: x / (1 + |x|).</summary>
    public static FuncOp Softsign(NodeAttributes a) => ElementwiseOps.Unary(a, x =>
    {
        using var magnitude = x.abs();
        using var denominator = magnitude.add(1f);
        return x.div(denominator);
    });

    /// <summary>Gelu (opset 20): approximate "none" is x·Φ(x) = ½x(1 + erf(x/√2)); "tanh" is
    /// ½x(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    public static FuncOp Gelu(NodeAttributes a)
    {
        var approximate = a.String("approximate", "none");
        if (approximate is not ("none" or "tanh"))
            throw new GraftException($"{OnnxOp.DescribeNode(a.Node)}: Gelu approximate '{approximate}' is not supported by the fine-tuner's ONNX converter.",
                "ONNX defines 'none' and 'tanh'.");
        return ElementwiseOps.Unary(a, x =>
        {
            using var scope = NewDisposeScope();
            Tensor inner;
            if (approximate == "none")
            {
                inner = x.mul(1.0 / Math.Sqrt(2.0)).erf();
            }
            else
            {
                var cubic = x.pow(3).mul(0.044715).add(x);
                inner = cubic.mul(Math.Sqrt(2.0 / Math.PI)).tanh();
            }
            var y = inner.add(1.0).mul(x).mul(0.5);
            return y.MoveToOuterDisposeScope();
        });
    }

    /// <summary>Celu: max(0, x) + min(0, alpha·(e^(x/alpha) − 1)), alpha 1.</summary>
    public static FuncOp Celu(NodeAttributes a)
    {
        var alpha = a.Float("alpha", 1f);
        return ElementwiseOps.Unary(a, x =>
        {
            using var scaled = x.div(alpha);
            using var elu = F.elu(scaled, 1.0);
            return elu.mul(alpha);
        });
    }

    /// <summary>ThresholdedRelu: x where x &gt; alpha (1), else 0.</summary>
    public static FuncOp ThresholdedRelu(NodeAttributes a)
    {
        var alpha = a.Float("alpha", 1f);
        return ElementwiseOps.Unary(a, x =>
        {
            using var above = x.gt(alpha);
            using var zero = zeros_like(x);
            return where(above, x, zero);
        });
    }

    /// <summary>Shrink: x + bias below −lambd, x − bias above lambd, 0 between (lambd 0.5, bias 0).</summary>
    public static FuncOp Shrink(NodeAttributes a)
    {
        var lambd = a.Float("lambd", 0.5f);
        var bias = a.Float("bias", 0f);
        return ElementwiseOps.Unary(a, x =>
        {
            using var scope = NewDisposeScope();
            var zero = zeros_like(x);
            var y = where(x.lt(-lambd), x.add(bias), where(x.gt(lambd), x.sub(bias), zero)).to(x.dtype);
            return y.MoveToOuterDisposeScope();
        });
    }

    /// <summary>PRelu: x for x ≥ 0, slope·x below; the slope (usually an initializer, then a trainable Parameter)
    /// broadcasts to X. Before opset 7 there was no numpy broadcasting: a slope of one value per channel (PyTorch's
    /// exports of that time wrote [C]) applies along axis 1, where numpy rules would line it up with the last axis.</summary>
    public static FuncOp PRelu(NodeAttributes a, int opset) => ElementwiseOps.Binary(a, (x, given) =>
    {
        using var slope = opset < 7 && given.dim() == 1 && given.shape[0] > 1 && x.dim() > 2 && given.shape[0] == x.shape[1]
            ? given.reshape([given.shape[0], .. Enumerable.Repeat(1L, (int)x.dim() - 2)])
            : given.alias();
        using var scaled = x.mul(slope);
        using var negative = x.lt(0);
        return where(negative, scaled, x);
    });
}

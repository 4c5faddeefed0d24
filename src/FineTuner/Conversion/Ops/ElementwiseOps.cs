using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// Element-wise ONNX operators with numpy broadcasting (torch broadcasts the same way): arithmetic (Add, Sub, Mul, Div,
/// Pow, MatMul, variadic Sum/Max/Min/Mean), unary math (Neg, Abs, Exp, Log, Sqrt, Reciprocal, Erf, Floor, Ceil),
/// comparisons (Equal, Less, …: bool out) and logic (Not, And, Or, Xor, Where). Integer tensors are int64 inside the
/// converter (see <see cref="TensorProtoConversion"/>); bool tensors may arrive as int64 too, so logic casts its inputs.
/// </summary>
internal static class ElementwiseOps
{
    public static FuncOp Unary(NodeAttributes a, Func<Tensor, Tensor> f) => new(a.Node, (inputs, _) => f(First(a, inputs)));

    public static FuncOp Binary(NodeAttributes a, Func<Tensor, Tensor, Tensor> f) => new(a.Node, (inputs, _) =>
    {
        var (x, y) = Two(a, inputs);
        return f(x, y);
    });

    /// <summary>Div: integer operands divide with truncation (ONNX, C semantics); torch's true division would give floats.</summary>
    public static FuncOp Div(NodeAttributes a) => new(a.Node, (inputs, _) =>
    {
        var (x, y) = Two(a, inputs);
        return IsIntegral(x) && IsIntegral(y) ? x.div(y, RoundingMode.trunc) : x.div(y);
    });

    /// <summary>Pow: the result keeps the base's element type (ONNX), also for an integer base with a float exponent.</summary>
    public static FuncOp Pow(NodeAttributes a) => new(a.Node, (inputs, _) =>
    {
        var (x, y) = Two(a, inputs);
        if (!IsIntegral(x)) return y.dtype == x.dtype ? x.pow(y) : PowCast(x, y, x.dtype);
        using var asFloat = x.to(ScalarType.Float64);
        using var exponent = y.to(ScalarType.Float64);
        using var power = asFloat.pow(exponent);
        return power.to(x.dtype);
    });

    private static Tensor PowCast(Tensor x, Tensor y, ScalarType dtype)
    {
        using var exponent = y.to(dtype);
        return x.pow(exponent);
    }

    public static FuncOp Variadic(NodeAttributes a, Func<Tensor, Tensor, Tensor> f) => new(a.Node, (inputs, _) => Fold(inputs, f));

    public static FuncOp Mean(NodeAttributes a) => new(a.Node, (inputs, _) =>
    {
        using var sum = Fold(inputs, (x, y) => x.add(y));
        return sum.div(inputs.Count(i => i is not null));
    });

    /// <summary>Equal/Less/…: bool output. Mixed int64/float operands compare in float (torch promotes).</summary>
    public static FuncOp Compare(NodeAttributes a, Func<Tensor, Tensor, Tensor> f) => Binary(a, f);

    public static FuncOp Not(NodeAttributes a) => new(a.Node, (inputs, _) =>
    {
        using var b = First(a, inputs).to(ScalarType.Bool);
        return b.logical_not();
    });

    public static FuncOp Logical(NodeAttributes a, Func<Tensor, Tensor, Tensor> f) => new(a.Node, (inputs, _) =>
    {
        var (x, y) = Two(a, inputs);
        using var bx = x.to(ScalarType.Bool);
        using var by = y.to(ScalarType.Bool);
        return f(bx, by);
    });

    /// <summary>Where(condition, X, Y) with three-way broadcasting; gradients flow to X and Y.</summary>
    public static FuncOp Where(NodeAttributes a) => new(a.Node, (inputs, _) =>
    {
        if (inputs.Length < 3 || inputs[0] is not { } c || inputs[1] is not { } x || inputs[2] is not { } y)
            throw new GraftException($"{OnnxOp.DescribeNode(a.Node)}: needs three inputs.");
        using var condition = c.to(ScalarType.Bool, x.device);
        return where(condition, x, y.device == x.device ? y : y.to(x.device));
    });

    private static bool IsIntegral(Tensor t) => !t.is_floating_point() && t.dtype != ScalarType.Bool;

    private static Tensor First(NodeAttributes a, Tensor?[] inputs) =>
        inputs.Length > 0 && inputs[0] is { } x ? x : throw new GraftException($"{OnnxOp.DescribeNode(a.Node)}: input 0 is missing.");

    private static (Tensor X, Tensor Y) Two(NodeAttributes a, Tensor?[] inputs) =>
        inputs.Length >= 2 && inputs[0] is { } x && inputs[1] is { } y
            ? (x, y)
            : throw new GraftException($"{OnnxOp.DescribeNode(a.Node)}: needs two inputs.");

    /// <summary>Left fold of the present inputs; a single input is returned as a new handle.</summary>
    private static Tensor Fold(Tensor?[] inputs, Func<Tensor, Tensor, Tensor> f)
    {
        var present = inputs.OfType<Tensor>().ToArray();
        var acc = present[0].alias();
        foreach (var next in present.Skip(1))
        {
            var combined = f(acc, next);
            acc.Dispose();
            acc = combined;
        }
        return acc;
    }
}

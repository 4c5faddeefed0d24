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

    /// <summary>A two-input operator. Opset &lt; 7 exports may say broadcast = 1 with an axis: B's dimensions then line
    /// up with A's from that axis (not from the end, as numpy does), so B gets trailing unit dimensions first.</summary>
    public static FuncOp Binary(NodeAttributes a, Func<Tensor, Tensor, Tensor> f)
    {
        long? legacyAxis = a.Int("broadcast", 0) != 0 && a.Has("axis") ? a.Int("axis", 0) : null;
        return new(a.Node, (inputs, _) =>
        {
            var (x, y) = Two(a, inputs);
            if (legacyAxis is not { } axis || y.dim() == 0) return OnOneDevice(x, y, f);
            var start = axis < 0 ? axis + x.dim() : axis;
            var trailing = x.dim() - start - y.dim();
            if (start < 0 || trailing < 0) throw new GraftException($"{OnnxOp.DescribeNode(a.Node)}: broadcast axis {axis} does not fit shapes [{string.Join(", ", x.shape)}] and [{string.Join(", ", y.shape)}].");
            using var aligned = y.reshape([.. y.shape, .. Enumerable.Repeat(1L, (int)trailing)]);
            return OnOneDevice(x, aligned, f);
        });
    }

    /// <summary>IsInf with detect_negative / detect_positive (both 1 by default).</summary>
    public static FuncOp IsInf(NodeAttributes a)
    {
        var negative = a.Int("detect_negative", 1) != 0;
        var positive = a.Int("detect_positive", 1) != 0;
        return Unary(a, x => (negative, positive) switch
        {
            (true, true) => x.isinf(),
            (true, false) => x.isneginf(),
            (false, true) => x.isposinf(),
            _ => zeros(x.shape, ScalarType.Bool, x.device),
        });
    }

    /// <summary>MatMul (numpy semantics). Shapes are checked here first: TorchSharp's native matmul does not catch
    /// libtorch's error, which would abort the process instead of raising an exception.</summary>
    public static FuncOp MatMul(NodeAttributes a) => new(a.Node, (inputs, _) =>
    {
        var (x, y) = Two(a, inputs);
        using var moved = SameDevice(ref x, ref y);
        var inner = x.dim() == 0 ? -1 : x.shape[^1];
        var other = y.dim() switch { 0 => -2, 1 => y.shape[0], _ => y.shape[^2] };
        if (inner != other || !Broadcastable(x.shape.SkipLast(2).ToArray(), y.shape.SkipLast(2).ToArray()))
            throw new GraftException($"{OnnxOp.DescribeNode(a.Node)}: cannot multiply shapes [{string.Join(", ", x.shape)}] and [{string.Join(", ", y.shape)}].");
        return x.matmul(y);
    });

    /// <summary>True when two shapes broadcast (numpy rules: aligned from the end, equal or 1).</summary>
    public static bool Broadcastable(long[] a, long[] b)
    {
        for (var i = 1; i <= Math.Min(a.Length, b.Length); i++)
            if (a[^i] != b[^i] && a[^i] != 1 && b[^i] != 1) return false;
        return true;
    }

    /// <summary>Div: integer operands divide with truncation (ONNX, C semantics); torch's true division would give floats.</summary>
    public static FuncOp Div(NodeAttributes a) => new(a.Node, (inputs, _) =>
    {
        var (x, y) = Two(a, inputs);
        return OnOneDevice(x, y, (p, q) => IsIntegral(p) && IsIntegral(q) ? p.div(q, RoundingMode.trunc) : p.div(q));
    });

    /// <summary>Pow: the result keeps the base's element type (ONNX), also for an integer base with a float exponent.</summary>
    public static FuncOp Pow(NodeAttributes a) => new(a.Node, (inputs, _) =>
    {
        var (x, y) = Two(a, inputs);
        using var moved = SameDevice(ref x, ref y);
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

    /// <summary>Mod: fmod = 0 (integers only, ONNX) takes the divisor's sign like Python's %; fmod = 1 the dividend's,
    /// like C's fmod.</summary>
    public static FuncOp Mod(NodeAttributes a)
    {
        var fmod = a.Int("fmod", 0) != 0;
        return Binary(a, (x, y) =>
        {
            if (!fmod && (x.is_floating_point() || y.is_floating_point()))
                throw new GraftException($"{OnnxOp.DescribeNode(a.Node)}: Mod with fmod = 0 on floats is invalid ONNX (set fmod = 1).");
            return fmod ? x.fmod(y) : x.remainder(y);
        });
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
        using var by = y.to(ScalarType.Bool, x.device);
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

    /// <summary>Puts both operands on one device. Shape arithmetic (Shape, Range, ConstantOfShape, Cast of them)
    /// lives on the CPU while the model may run on a GPU; the CPU operand moves. Returns the moved copy (to dispose),
    /// or null when nothing moved.</summary>
    private static Tensor? SameDevice(ref Tensor x, ref Tensor y)
    {
        if (x.device_type == y.device_type && x.device_index == y.device_index) return null;
        if (x.device_type == DeviceType.CPU) return x = x.to(y.device);
        return y = y.to(x.device);
    }

    /// <summary>f(x, y) after <see cref="SameDevice"/>.</summary>
    private static Tensor OnOneDevice(Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> f)
    {
        using var moved = SameDevice(ref x, ref y);
        return f(x, y);
    }

    /// <summary>Left fold of the present inputs; a single input is returned as a new handle.</summary>
    private static Tensor Fold(Tensor?[] inputs, Func<Tensor, Tensor, Tensor> f)
    {
        var present = inputs.OfType<Tensor>().ToArray();
        var acc = present[0].alias();
        foreach (var next in present.Skip(1))
        {
            var combined = OnOneDevice(acc, next, f);
            acc.Dispose();
            acc = combined;
        }
        return acc;
    }
}

using Onnx;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX ConstantOfShape: a tensor of the shape input filled with the one-element 'value' attribute (float 0
/// by default; integer and bool values give int64, the converter's integer type).</summary>
internal sealed class ConstantOfShapeOp : OnnxOp
{
    private readonly Tensor _value;

    public ConstantOfShapeOp(NodeAttributes a) : base(a.Node)
    {
        var proto = a.Tensor("value");
        _value = proto is null ? tensor(0f) : TensorProtoConversion.ToTensor(proto);
        if (_value.numel() != 1) throw new GraftException($"{Describe}: the value attribute must hold one element, not {_value.numel()}.");
        _value = _value.reshape([]);
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var shape = Longs(Input(inputs, 0));
        if (shape.Any(d => d < 0)) throw new GraftException($"{Describe}: negative dimension in shape [{string.Join(", ", shape)}].");
        using var scalar = _value.expand(shape);
        return [scalar.contiguous()];
    }
}

/// <summary>ONNX Range: start, start + delta, … up to (not including) limit; int64 when all three are integers,
/// float otherwise. Count = max(⌈(limit − start) / delta⌉, 0) as ONNX defines it.</summary>
internal sealed class RangeOp : OnnxOp
{
    public RangeOp(NodeAttributes a) : base(a.Node)
    {
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var start = Input(inputs, 0);
        var limit = Input(inputs, 1);
        var delta = Input(inputs, 2);
        if (start.is_floating_point() || limit.is_floating_point() || delta.is_floating_point())
        {
            double s = Scalar(start), l = Scalar(limit), d = Scalar(delta);
            if (d == 0) throw new GraftException($"{Describe}: delta is 0.");
            var count = (long)Math.Max(Math.Ceiling((l - s) / d), 0);
            using var steps = arange(0L, count, 1L, ScalarType.Float32);
            using var scaled = steps.mul(d);
            return [scaled.add(s)];
        }
        long si = Longs(start)[0], li = Longs(limit)[0], di = Longs(delta)[0];
        if (di == 0) throw new GraftException($"{Describe}: delta is 0.");
        var n = (long)Math.Max(Math.Ceiling((double)(li - si) / di), 0);
        using var indices = arange(0L, n, 1L, ScalarType.Int64);
        using var scaledInts = indices.mul(di);
        return [scaledInts.add(si)];
    }
}

/// <summary>ONNX HannWindow, HammingWindow and BlackmanWindow (opset 17): a window of the scalar input's length,
/// periodic (divisor = size, the default) or symmetric (size − 1), computed in double as ONNX's reference does, in the
/// output_datatype (float by default).</summary>
internal sealed class WindowOp : OnnxOp
{
    private readonly bool _periodic;
    private readonly ScalarType _dtype;

    public WindowOp(NodeAttributes a) : base(a.Node)
    {
        _periodic = a.Int("periodic", 1) != 0;
        _dtype = CastOp.TargetType(this, (Onnx.TensorProto.Types.DataType)a.Int("output_datatype", 1));
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var size = Longs(Input(inputs, 0)).Single();
        if (size < 0) throw new GraftException($"{Describe}: negative window size {size}.");
        var divisor = _periodic ? size : size - 1;
        var values = new double[size];
        for (var n = 0; n < size; n++)
        {
            var phase = divisor == 0 ? 0 : 2 * Math.PI * n / divisor;
            values[n] = Node.OpType switch
            {
                "HannWindow" => 0.5 - 0.5 * Math.Cos(phase),
                "HammingWindow" => 25.0 / 46 - (1 - 25.0 / 46) * Math.Cos(phase),
                _ => 0.42 - 0.5 * Math.Cos(phase) + 0.08 * Math.Cos(2 * phase),
            };
        }
        using var window = tensor(values, ScalarType.Float64);
        return [window.to(_dtype)];
    }
}

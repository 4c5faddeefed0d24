using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX Reshape: 0 copies the input dimension (unless allowzero), −1 is inferred. The shape comes from the
/// second input (opset ≥ 5) or the shape attribute.</summary>
internal sealed class ReshapeOp : OnnxOp
{
    private readonly long[]? _shapeAttribute;
    private readonly bool _allowZero;

    public ReshapeOp(NodeAttributes a) : base(a.Node)
    {
        _shapeAttribute = a.Ints("shape");
        _allowZero = a.Int("allowzero", 0) != 0;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var shape = Optional(inputs, 1) is { } s ? Longs(s) : _shapeAttribute ?? throw new GraftException($"{Describe}: no shape given.");
        var target = (long[])shape.Clone();
        if (!_allowZero)
            for (var i = 0; i < target.Length; i++)
                if (target[i] == 0) target[i] = x.shape[i];
        return [x.reshape(target)];
    }
}

/// <summary>ONNX Flatten: [d0…d(axis−1)] and [d(axis)…] each collapsed into one dimension (always rank 2).</summary>
internal sealed class FlattenOp : OnnxOp
{
    private readonly long _axis;

    public FlattenOp(NodeAttributes a) : base(a.Node) => _axis = a.Int("axis", 1);

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var axis = _axis < 0 ? _axis + x.dim() : _axis;
        var outer = x.shape.Take((int)axis).Aggregate(1L, (p, d) => p * d);
        return [x.reshape(outer, -1)];
    }
}

/// <summary>ONNX Squeeze / Unsqueeze; axes from the attribute (opset &lt; 13) or the second input.</summary>
internal sealed class SqueezeOp : OnnxOp
{
    private readonly long[]? _axes;
    private readonly bool _unsqueeze;

    public SqueezeOp(NodeAttributes a, bool unsqueeze) : base(a.Node)
    {
        _axes = a.Ints("axes");
        _unsqueeze = unsqueeze;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var axes = Optional(inputs, 1) is { } t ? Longs(t) : _axes;
        var shape = x.shape.ToList();
        if (_unsqueeze)
        {
            if (axes is null) throw new GraftException($"{Describe}: no axes given.");
            var rank = shape.Count + axes.Length;
            foreach (var axis in axes.Select(a => a < 0 ? a + rank : a).Order())
                shape.Insert((int)axis, 1);
            return [x.reshape(shape.ToArray())];
        }
        if (axes is null || axes.Length == 0)
            return [x.reshape(shape.Where(d => d != 1).ToArray())];
        var drop = axes.Select(a => Axis(a, shape.Count)).ToHashSet();
        return [x.reshape(shape.Where((_, i) => !drop.Contains(i)).ToArray())];
    }
}

/// <summary>ONNX Transpose (default: reverse the dimensions).</summary>
internal sealed class TransposeOp : OnnxOp
{
    private readonly long[]? _perm;

    public TransposeOp(NodeAttributes a) : base(a.Node) => _perm = a.Ints("perm");

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var perm = _perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
        return [x.permute(perm).contiguous()];
    }
}

/// <summary>ONNX Concat along an axis.</summary>
internal sealed class ConcatOp : OnnxOp
{
    private readonly long _axis;

    public ConcatOp(NodeAttributes a) : base(a.Node) => _axis = a.Int("axis", 1);

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var parts = inputs.OfType<Tensor>().ToArray();
        var axis = Axis(_axis, parts[0].dim());
        if (parts.All(p => p.device == parts[0].device)) return [cat(parts, axis)];
        // Shape arithmetic mixes CPU vectors (Shape) with integer buffers that moved with the module: join on the CPU.
        var onCpu = parts.Select(p => p.cpu()).ToArray();
        try
        {
            return [cat(onCpu, axis)];
        }
        finally
        {
            foreach (var (copy, original) in onCpu.Zip(parts)) if (!ReferenceEquals(copy, original)) copy.Dispose();
        }
    }
}

/// <summary>ONNX Shape (opset 15 start/end honoured): an int64 vector of the input's dimensions.</summary>
internal sealed class ShapeOp : OnnxOp
{
    private readonly long _start;
    private readonly long? _end;

    public ShapeOp(NodeAttributes a) : base(a.Node)
    {
        _start = a.Int("start", 0);
        _end = a.Has("end") ? a.Int("end", 0) : null;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var shape = Input(inputs, 0).shape;
        var rank = shape.Length;
        var start = Math.Clamp(_start < 0 ? _start + rank : _start, 0, rank);
        var end = Math.Clamp(_end is { } e ? e < 0 ? e + rank : e : rank, 0, rank);
        return [tensor(shape[(int)start..(int)Math.Max(start, end)], dtype: ScalarType.Int64)];
    }
}

/// <summary>ONNX Gather along an axis (negative indices count from the end; out of range is refused).</summary>
internal sealed class GatherOp : OnnxOp
{
    private readonly long _axis;

    public GatherOp(NodeAttributes a) : base(a.Node) => _axis = a.Int("axis", 0);

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var data = Input(inputs, 0);
        var indices = Input(inputs, 1);
        var axis = Axis(_axis, data.dim());
        var size = data.shape[axis];
        using var flat = indices.flatten();
        // Negative indices count from the end; one outside [−size, size − 1] is an error in ONNX, never wrapped around.
        using var wrapped = IndexChecks.Wrap(this, flat, size, data.device); // shape vectors live on the CPU, weights may not
        using var picked = data.index_select(axis, wrapped);
        var shape = data.shape.Take((int)axis).Concat(indices.shape).Concat(data.shape.Skip((int)axis + 1)).ToArray();
        return [picked.reshape(shape)];
    }
}

/// <summary>ONNX Constant: the value attribute (tensor or the opset-12 scalar/list forms).</summary>
internal sealed class ConstantOp : OnnxOp
{
    private readonly TensorProto? _tensor;
    private readonly NodeAttributes _attributes;

    public ConstantOp(NodeAttributes a) : base(a.Node)
    {
        _attributes = a;
        _tensor = a.Tensor("value");
        if (_tensor is null && !a.Has("value_float") && !a.Has("value_floats") && !a.Has("value_int") && !a.Has("value_ints"))
            throw Unsupported("a Constant without a numeric value");
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        if (_tensor is not null) return [TensorProtoConversion.ToTensor(_tensor)];
        var a = _attributes;
        if (a.Has("value_float")) return [tensor(a.Float("value_float", 0))];
        if (a.Has("value_floats")) return [tensor(a.Floats("value_floats")!)];
        if (a.Has("value_int")) return [tensor(a.Int("value_int", 0))];
        return [tensor(a.Ints("value_ints")!)];
    }
}

/// <summary>ONNX Cast to float32, float64 or an integer type (integers are kept as int64).</summary>
internal sealed class CastOp : OnnxOp
{
    private readonly ScalarType _to;

    public CastOp(NodeAttributes a) : base(a.Node)
    {
        // Cast-1 (opset < 6) names the type as a string ("FLOAT"); later opsets give the enum's number.
        var named = a.String("to", "");
        var to = named.Length > 0 && Enum.TryParse<TensorProto.Types.DataType>(named, ignoreCase: true, out var parsed) ? parsed
            : (TensorProto.Types.DataType)a.Int("to", 1);
        _to = TargetType(this, to);
    }

    /// <summary>The converter's element type for an ONNX one: floats run as float32 (float16 and double are read into
    /// float32 too), integers as int64, bool as bool; bfloat16 and string are refused naming <paramref name="op"/>.</summary>
    public static ScalarType TargetType(OnnxOp op, TensorProto.Types.DataType type) => type switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Float16 => ScalarType.Float32,
        TensorProto.Types.DataType.Double => ScalarType.Float64,
        TensorProto.Types.DataType.Bool => ScalarType.Bool,
        TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Int16
            or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 => ScalarType.Int64,
        var other => throw new GraftException($"{op.Describe}: {op.Node.OpType} to {other} is not supported by the fine-tuner's ONNX converter.",
            "Re-export the model with a different opset or simpler operators, or fine-tune with fewer layers unfrozen."),
    };

    public override Tensor[] Run(Tensor?[] inputs, bool training) => [Input(inputs, 0).to(_to)];
}

/// <summary>ONNX CastLike: input converted to the element type of the second input. Inside the converter every float
/// is float32 (see <see cref="CastOp.TargetType"/>), so the runtime type of target_type decides; a target declared
/// bfloat16 or string in the graph is refused at load by <see cref="CheckTargets"/> (float32 would be silently
/// wrong for bfloat16's 8-bit mantissa).</summary>
internal sealed class CastLikeOp : OnnxOp
{
    public CastLikeOp(NodeAttributes a) : base(a.Node)
    {
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var like = Input(inputs, 1);
        return [Input(inputs, 0).to(like.dtype)];
    }

    /// <summary>Refuses CastLike nodes whose target_type the graph declares (input, output, value_info, initializer or
    /// a Cast producing it) as an element type the converter cannot represent (bfloat16, string, …).</summary>
    public static void CheckTargets(GraphProto graph, IEnumerable<NodeProto> nodes)
    {
        var declared = new Dictionary<string, TensorProto.Types.DataType>(StringComparer.Ordinal);
        foreach (var v in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
            if (v.Type?.TensorType is { } t) declared[v.Name] = (TensorProto.Types.DataType)t.ElemType;
        foreach (var init in graph.Initializer) declared[init.Name] = (TensorProto.Types.DataType)init.DataType;
        foreach (var n in graph.Node.Where(n => n.OpType == "Cast"))
            if (n.Attribute.FirstOrDefault(x => x.Name == "to") is { } to && n.Output.Count > 0)
                declared[n.Output[0]] = (TensorProto.Types.DataType)to.I;
        foreach (var node in nodes.Where(n => n.OpType == "CastLike" && n.Input.Count > 1))
        {
            if (!declared.TryGetValue(node.Input[1], out var type) || type == TensorProto.Types.DataType.Undefined) continue;
            var op = new CastLikeOp(new NodeAttributes(node));
            CastOp.TargetType(op, type); // throws for the element types the converter does not hold
        }
    }
}

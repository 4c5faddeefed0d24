using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Graft.FeatureCache.Onnx.Float16;

/// <summary>
/// Rewrites a float32 ONNX model to compute in float16 — the conversion onnxconverter-common's
/// <c>convert_float_to_float16(keep_io_types=True)</c> does, in C#: float32 initializers and Constant values become
/// float16; the graph's inputs and outputs stay float32 through Cast nodes at the boundary (callers feed and read
/// float32 as before); operators on the block list (<see cref="Float16Options.BlockedOperators"/>) keep computing in
/// float32 behind Casts; value_info follows the new types. Element types are tracked through the graph from its
/// inputs, initializers and each operator's type rule, so integer and boolean tensors (shapes, indices, masks) are
/// never touched.
/// </summary>
public static class Float16Converter
{
    private const int Float = (int)DataType.Float;
    private const int Half = (int)DataType.Float16;

    /// <summary>Converts <paramref name="model"/> in place. Throws <see cref="GraftException"/> for a model that is
    /// already float16, has no float32 tensors, or uses constructs the converter does not handle (subgraphs).</summary>
    public static Float16Report Convert(ModelProto model, Float16Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new Float16Options();
        var graph = model.Graph;
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 1;
        if (opset < 6) throw new GraftException($"The model uses opset {opset}; float16 conversion needs opset 6 or later (Cast with a typed 'to').");
        if (graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)))
            throw new GraftException("The model has subgraphs (If/Loop/Scan); the float16 converter handles flat graphs only.");
        Refuse(graph);

        var folded = options.FoldBatchNorm ? BatchNormFolding.Fold(graph, opset) : 0;
        var blocked = options.BlockedOperators;
        bool IsBlockedOp(NodeProto n) => !BatchNormFolding.IsDefaultDomain(n) || blocked.Contains(n.OpType);
        // A Constant only float32-kept operators read stays float32 too, like such an initializer: a Resize scale
        // of 1.3333 must not pass through half on its way there.
        var readByHalfOps = graph.Node.Where(n => !IsBlockedOp(n)).SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        bool IsBlocked(NodeProto n) => IsBlockedOp(n)
            || (n.OpType is "Constant" or "ConstantOfShape" && BatchNormFolding.IsDefaultDomain(n) && !n.Output.Any(readByHalfOps.Contains));

        var original = InferTypes(graph);
        var names = new HashSet<string>(original.Keys, StringComparer.Ordinal);
        foreach (var n in graph.Node) names.UnionWith(n.Output);

        // Initializers read by at least one converted node become half; those only blocked nodes read stay float32.
        var halfReaders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in graph.Node.Where(n => !IsBlocked(n)))
            halfReaders.UnionWith(n.Input);
        long convertedValues = 0, clamped = 0, underflowed = 0;
        int convertedInitializers = 0, floatInitializers = 0;
        var current = new Dictionary<string, int>(original, StringComparer.Ordinal);
        for (var i = 0; i < graph.Initializer.Count; i++)
        {
            var t = graph.Initializer[i];
            if (t.DataType != Float) continue;
            if (!halfReaders.Contains(t.Name))
            {
                floatInitializers++;
                continue;
            }
            var values = OnnxProto.ReadFloats(t);
            graph.Initializer[i] = HalfTensor(t.Name, t.Dims, values, ref clamped, ref underflowed);
            current[t.Name] = Half;
            convertedValues += values.LongLength;
            convertedInitializers++;
        }

        var casts = new Dictionary<(string, int), string>();
        var nodes = new List<NodeProto>(graph.Node.Count + 16);
        var kept = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var constants = 0;
        string CastTo(string name, int type)
        {
            if (casts.TryGetValue((name, type), out var existing)) return existing;
            var output = Unique(names, name + (type == Half ? "_fp16" : "_fp32"));
            nodes.Add(OnnxProto.Node("Cast", output + "_cast", [name], [output], OnnxProto.Int("to", type)));
            current[output] = type;
            casts[(name, type)] = output;
            return output;
        }

        foreach (var node in graph.Node)
        {
            var isBlocked = IsBlocked(node);
            var want = isBlocked ? Float : Half;
            for (var i = 0; i < node.Input.Count; i++)
            {
                var input = node.Input[i];
                if (input.Length == 0 || original.GetValueOrDefault(input) != Float) continue;
                if (current.GetValueOrDefault(input) != want) node.Input[i] = CastTo(input, want);
            }
            if (isBlocked)
            {
                if (node.OpType is not ("Constant" or "ConstantOfShape")) kept[node.OpType] = kept.GetValueOrDefault(node.OpType) + 1;
            }
            else
            {
                if (ConvertAttributes(node)) constants++;
                foreach (var output in node.Output)
                    if (output.Length > 0 && original.GetValueOrDefault(output) == Float) current[output] = Half;
            }
            nodes.Add(node);
        }

        // Graph outputs keep their names and float32 type: the half tensor is renamed and cast back under the old name.
        foreach (var output in graph.Output)
        {
            if (current.GetValueOrDefault(output.Name) != Half) continue;
            var renamed = Unique(names, output.Name + "_fp16");
            foreach (var n in nodes)
            {
                for (var i = 0; i < n.Output.Count; i++) if (n.Output[i] == output.Name) n.Output[i] = renamed;
                for (var i = 0; i < n.Input.Count; i++) if (n.Input[i] == output.Name) n.Input[i] = renamed;
            }
            current[renamed] = Half;
            nodes.Add(OnnxProto.Node("Cast", output.Name + "_cast", [renamed], [output.Name], OnnxProto.Int("to", Float)));
            current[output.Name] = Float;
            casts[(output.Name, Float)] = output.Name;
        }
        graph.Node.Clear();
        graph.Node.AddRange(nodes);

        // value_info, and the initializers IR < 4 also lists among the inputs, carry the types they now have.
        foreach (var v in graph.ValueInfo.Concat(graph.Input))
            if (v.Type?.TensorType is { } tt && current.TryGetValue(v.Name, out var type) && tt.ElemType == Float)
                tt.ElemType = type;

        return new Float16Report
        {
            ConvertedInitializers = convertedInitializers,
            Float32Initializers = floatInitializers,
            ConvertedValues = convertedValues,
            ClampedValues = clamped,
            UnderflowedValues = underflowed,
            FoldedBatchNorms = folded,
            ConvertedConstants = constants,
            CastsInserted = casts.Count,
            Float32Nodes = kept,
            Nodes = graph.Node.Count,
        };
    }

    /// <summary>The element type of every tensor the graph names (inputs, initializers, node outputs), from the
    /// declared types and each operator's type rule; tensors whose type cannot be told are absent (and left alone).</summary>
    public static Dictionary<string, int> InferTypes(GraphProto graph)
    {
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
            if (v.Type?.TensorType is { ElemType: > 0 } tt) types[v.Name] = tt.ElemType;
        foreach (var t in graph.Initializer) types[t.Name] = t.DataType;
        foreach (var n in graph.Node)
        {
            int? first = null;
            foreach (var i in n.Input)
                if (i.Length > 0 && types.TryGetValue(i, out var t)) { first = t; break; }
            for (var k = 0; k < n.Output.Count; k++)
            {
                var name = n.Output[k];
                if (name.Length == 0) continue;
                var rule = OutputType(n, k, first, types);
                if (rule is { } r) types[name] = r; // an operator's rule wins over a stale value_info
            }
        }
        return types;
    }

    private static int? OutputType(NodeProto n, int index, int? firstInput, Dictionary<string, int> types)
    {
        if (!BatchNormFolding.IsDefaultDomain(n)) return types.TryGetValue(n.Output[index], out var declared) ? declared : null;
        AttributeProto? Attr(string name) => n.Attribute.FirstOrDefault(a => a.Name == name);
        switch (n.OpType)
        {
            case "Cast": return (int?)Attr("to")?.I;
            case "CastLike": return n.Input.Count > 1 && types.TryGetValue(n.Input[1], out var like) ? like : null;
            case "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin": return (int)DataType.Int64;
            case "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "Not" or "And" or "Or" or "Xor" or "IsNaN" or "IsInf":
                return (int)DataType.Bool;
            case "Constant":
                if (Attr("value") is { T: { } t }) return t.DataType;
                if (Attr("value_float") is not null || Attr("value_floats") is not null) return Float;
                if (Attr("value_int") is not null || Attr("value_ints") is not null) return (int)DataType.Int64;
                return null;
            case "ConstantOfShape": return Attr("value") is { T: { } v } ? v.DataType : Float;
            case "RandomNormal" or "RandomUniform" or "EyeLike" or "RandomNormalLike" or "RandomUniformLike":
                return (int?)Attr("dtype")?.I ?? (n.OpType.EndsWith("Like", StringComparison.Ordinal) ? firstInput : Float);
            case "Where": return n.Input.Count > 1 && types.TryGetValue(n.Input[1], out var w) ? w : null;
            case "MaxPool" or "TopK" when index == 1: return (int)DataType.Int64;
            case "Unique" when index > 0: return (int)DataType.Int64;
            case "Dropout" when index == 1: return (int)DataType.Bool;
            default: return firstInput;
        }
    }

    /// <summary>Constant, ConstantOfShape and Cast-to-float32 nodes inside the half region produce half.</summary>
    private static bool ConvertAttributes(NodeProto node)
    {
        long ignored1 = 0, ignored2 = 0;
        switch (node.OpType)
        {
            case "Cast":
                if (node.Attribute.FirstOrDefault(a => a.Name == "to") is { I: Float } to) to.I = Half;
                return false;
            case "Constant" or "ConstantOfShape":
            {
                var value = node.Attribute.FirstOrDefault(a => a.Name == "value");
                if (value?.T is { DataType: Float } t)
                {
                    value.T = HalfTensor(t.Name, t.Dims, OnnxProto.ReadFloats(t), ref ignored1, ref ignored2);
                    return true;
                }
                if (node.OpType == "ConstantOfShape" && value is null)
                {
                    // The default fill is float32 zero: make it a half zero.
                    var zero = HalfTensor("", [1], [0f], ref ignored1, ref ignored2);
                    node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = zero });
                    return true;
                }
                var single = node.Attribute.FirstOrDefault(a => a.Name is "value_float" or "value_floats");
                if (single is null) return false;
                float[] floats = single.Name == "value_float" ? [single.F] : single.Floats.ToArray();
                long[] dims = single.Name == "value_float" ? [] : [floats.Length];
                node.Attribute.Remove(single);
                node.Attribute.Add(new AttributeProto
                {
                    Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = HalfTensor("", dims, floats, ref ignored1, ref ignored2),
                });
                return true;
            }
            default:
                return false;
        }
    }

    /// <summary>A float16 tensor (raw little-endian data) holding <paramref name="values"/> rounded to nearest even,
    /// beyond-range values clamped to ±65504 instead of becoming infinite.</summary>
    internal static TensorProto HalfTensor(string name, IEnumerable<long> dims, float[] values, ref long clamped, ref long underflowed)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian.");
        var bytes = new byte[values.Length * 2];
        var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan());
        const float max = 65504f;
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (v > max) { v = max; clamped++; }
            else if (v < -max) { v = -max; clamped++; }
            var h = (Half)v;
            if (v != 0 && h == (Half)0) underflowed++;
            bits[i] = BitConverter.HalfToUInt16Bits(h);
        }
        var t = new TensorProto { Name = name, DataType = Half, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
        t.Dims.AddRange(dims);
        return t;
    }

    /// <summary>Reads a float16 initializer back as float32 (raw_data or the int32_data bit patterns).</summary>
    public static float[] ReadHalfs(TensorProto t)
    {
        if (t.DataType != Half) throw new InvalidOperationException($"{t.Name} is not float16.");
        if (!t.RawData.IsEmpty)
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(t.RawData.Span).ToArray()
                .Select(b => (float)BitConverter.UInt16BitsToHalf(b)).ToArray();
        return t.Int32Data.Select(b => (float)BitConverter.UInt16BitsToHalf((ushort)b)).ToArray();
    }

    /// <summary>Refuses a model with nothing to convert: already half, or no float32 tensor at all.</summary>
    private static void Refuse(GraphProto graph)
    {
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        var floatWeights = graph.Initializer.Count(t => t.DataType == Float);
        var halfWeights = graph.Initializer.Count(t => t.DataType == Half);
        if (inputs.Any(i => i.Type?.TensorType?.ElemType == Half) || halfWeights > 0)
            throw new GraftException($"The model is already float16 ({(halfWeights > 0 ? $"{halfWeights} of its weights are" : "its input is")} float16); there is nothing to convert.",
                "Use it as it is, or convert its float32 original.");
        if (floatWeights == 0 && !inputs.Any(i => i.Type?.TensorType?.ElemType == Float))
            throw new GraftException("The model has no float32 input or weights (e.g. an integer or quantized model); float16 conversion applies to float32 models.",
                "Convert the float32 original.");
    }

    private static string Unique(HashSet<string> names, string wanted)
    {
        var name = wanted;
        for (var i = 1; names.Contains(name); i++) name = $"{wanted}_{i}";
        names.Add(name);
        return name;
    }
}

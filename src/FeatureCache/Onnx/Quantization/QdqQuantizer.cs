using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>Calibrated range of one activation tensor (float32 values).</summary>
public readonly record struct TensorRange(float Min, float Max);

/// <summary>
/// Static int8 quantization in ONNX's QDQ form, the form ONNX Runtime's graph transformers turn into QLinearConv,
/// QGemm, QLinearMatMul and QLinearAdd kernels: every activation input and the output of each quantized
/// Conv/MatMul/Gemm/Add passes through QuantizeLinear → DequantizeLinear with calibrated scale and zero point; weights
/// are stored as int8, symmetric (zero point 0), one scale per output channel, behind a per-axis DequantizeLinear;
/// biases as int32 with scale = input scale × weight scale (what QLinearConv adds in its int32 accumulator, so the
/// fusion keeps them). A Relu right after a quantized node is dropped: the output Q, whose zero point sits at the low
/// end of a [0, max] range, clamps exactly as Relu does.
/// </summary>
public static class QdqQuantizer
{
    /// <summary>Operators that get the int8 treatment. Add is included so residual sums stay in int8 between
    /// QLinearConvs instead of a dequantize/quantize round trip each.</summary>
    public static readonly IReadOnlySet<string> QuantizedOps = new HashSet<string>(StringComparer.Ordinal) { "Conv", "MatMul", "Gemm", "Add" };

    /// <summary>Decides what to quantize in a graph made by <see cref="GraphPreparation.Prepare"/>. Throws
    /// <see cref="GraftException"/> when the model has no Conv, MatMul or Gemm, or when an excluded name is no node.</summary>
    public static QuantizationPlan Plan(ModelProto prepared, IReadOnlySet<string> exclude)
    {
        var graph = prepared.Graph;
        var init = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var consumers = ConsumerNodes(graph);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var names = graph.Node.Select(NodeName).Concat(graph.Node.SelectMany(n => n.Output)).ToHashSet(StringComparer.Ordinal);
        var unknown = exclude.Where(e => !names.Contains(e)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw new GraftException($"--exclude names no node of the model: {string.Join(", ", unknown)}.",
                "Use node names as graft backbone layers or --sensitivity lists them.");
        if (graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear" or "QLinearConv" or "QLinearMatMul"))
            throw new GraftException("The model is already quantized (it has QuantizeLinear/DequantizeLinear or QLinear nodes).",
                "Quantize the float32 backbone it came from.");
        if (!graph.Node.Any(n => n.OpType is "Conv" or "MatMul" or "Gemm"))
            throw new GraftException("The model has no Conv, MatMul or Gemm node: there is nothing to quantize.",
                $"Its operators: {string.Join(", ", graph.Node.Select(n => n.OpType).Distinct().Order(StringComparer.Ordinal))}.");

        var nodes = new List<QuantizedNode>();
        var floatNodes = new List<string>();
        var fusedRelus = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
        {
            if (!QuantizedOps.Contains(n.OpType) || n.Domain is not ("" or "ai.onnx")) continue;
            var name = NodeName(n);
            if (exclude.Contains(name) || exclude.Contains(n.Output[0]))
            {
                floatNodes.Add(name);
                continue;
            }
            var q = Describe(n, name, init);
            if (q is null)
            {
                if (n.OpType != "Add") floatNodes.Add(name);
                continue;
            }
            // Fold a following Relu when it is the only reader of the output and is not itself excluded.
            var readers = consumers.GetValueOrDefault(n.Output[0]) ?? [];
            if (readers is [{ OpType: "Relu" } relu] && !graphOutputs.Contains(n.Output[0]) && !exclude.Contains(NodeName(relu)))
            {
                q = q with { Output = relu.Output[0], FusedRelu = NodeName(relu) };
                fusedRelus.Add(relu.Output[0]);
            }
            nodes.Add(q);
        }
        if (!nodes.Any(n => n.OpType != "Add"))
            throw new GraftException("Every Conv/MatMul/Gemm of the model is excluded or has non-constant weights: there is nothing to quantize.",
                "Exclude fewer nodes.");
        var tensorSet = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new List<string>();
        foreach (var t in nodes.SelectMany(n => n.ActivationInputs.Append(n.Output)))
            if (tensorSet.Add(t)) tensors.Add(t);
        return new QuantizationPlan { Nodes = nodes, Tensors = tensors, ReluTensors = fusedRelus, FloatNodes = floatNodes };
    }

    private static QuantizedNode? Describe(NodeProto n, string name, Dictionary<string, TensorProto> init)
    {
        bool IsFloatInit(int i, int rank) => n.Input.Count > i && init.TryGetValue(n.Input[i], out var t)
            && t.DataType == (int)DataType.Float && (rank < 0 || t.Dims.Count == rank);
        bool IsActivation(int i) => n.Input.Count > i && n.Input[i].Length > 0 && !init.ContainsKey(n.Input[i]);
        switch (n.OpType)
        {
            case "Conv":
                if (!IsActivation(0) || !IsFloatInit(1, -1) || init[n.Input[1]].Dims.Count < 3) return null;
                if (n.Input.Count > 2 && n.Input[2].Length > 0 && !IsFloatInit(2, 1)) return null;
                return new QuantizedNode(name, "Conv", [n.Input[0]], 1, 0, n.Input.Count > 2 && n.Input[2].Length > 0 ? 2 : -1, n.Output[0], null);
            case "Gemm":
            {
                float Attr(string a, float d) => n.Attribute.FirstOrDefault(x => x.Name == a)?.F ?? d;
                long IntAttr(string a) => n.Attribute.FirstOrDefault(x => x.Name == a)?.I ?? 0;
                if (Attr("alpha", 1) != 1 || Attr("beta", 1) != 1 || IntAttr("transA") != 0) return null;
                if (!IsActivation(0) || !IsFloatInit(1, 2)) return null;
                var hasBias = n.Input.Count > 2 && n.Input[2].Length > 0;
                var transB = IntAttr("transB") != 0;
                if (hasBias && (!IsFloatInit(2, 1) || init[n.Input[2]].Dims[0] != init[n.Input[1]].Dims[transB ? 0 : 1])) return null;
                return new QuantizedNode(name, "Gemm", [n.Input[0]], 1, transB ? 0 : 1, hasBias ? 2 : -1, n.Output[0], null);
            }
            case "MatMul":
                if (IsActivation(0) && IsActivation(1)) return new QuantizedNode(name, "MatMul", [n.Input[0], n.Input[1]], -1, -1, -1, n.Output[0], null);
                if (IsActivation(0) && IsFloatInit(1, -1))
                    return new QuantizedNode(name, "MatMul", [n.Input[0]], 1, init[n.Input[1]].Dims.Count == 2 ? 1 : -1, -1, n.Output[0], null);
                return null;
            case "Add":
                return n.Input.Count == 2 && IsActivation(0) && IsActivation(1) && n.Input[0] != n.Input[1]
                    ? new QuantizedNode(name, "Add", [n.Input[0], n.Input[1]], -1, -1, -1, n.Output[0], null) : null;
            default:
                return null;
        }
    }

    /// <summary>The quantized model: a copy of <paramref name="prepared"/> rewritten per <paramref name="plan"/> with
    /// <paramref name="ranges"/> (one per <see cref="QuantizationPlan.Tensors"/> entry). Deterministic: the same inputs
    /// give byte-identical protobuf.</summary>
    public static ModelProto Apply(ModelProto prepared, QuantizationPlan plan, IReadOnlyDictionary<string, TensorRange> ranges, QuantizationOptions options)
    {
        var model = prepared.Clone();
        var graph = model.Graph;
        graph.ValueInfo.Clear(); // shapes of renamed tensors would be stale; ONNX Runtime infers them again
        var init = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var byName = graph.Node.ToDictionary(NodeName, StringComparer.Ordinal);
        var taken = graph.Node.SelectMany(n => n.Output).Concat(init.Keys).Concat(graph.Input.Select(i => i.Name))
            .Distinct(StringComparer.Ordinal).ToDictionary(x => x, _ => 0, StringComparer.Ordinal);
        string Fresh(string name)
        {
            var n = GraphPreparation.Unique(taken, name);
            taken[n] = 0;
            return n;
        }

        // 1. Fold the Relus: the quantized node writes the Relu's output tensor itself.
        foreach (var q in plan.Nodes.Where(q => q.FusedRelu is not null))
        {
            var relu = byName[q.FusedRelu!];
            byName[q.Name].Output[0] = relu.Output[0];
            graph.Node.Remove(relu);
        }

        // 2. A QuantizeLinear → DequantizeLinear pair on every planned activation tensor; every reader takes the DQ.
        var activationScale = new Dictionary<string, float>(StringComparer.Ordinal);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var added = new List<NodeProto>();
        foreach (var t in plan.Tensors)
        {
            if (!ranges.TryGetValue(t, out var range)) throw new InvalidOperationException($"No calibrated range for tensor '{t}'.");
            var (scale, zeroPoint) = ActivationParameters(range, plan.ReluTensors.Contains(t), options.Activations);
            activationScale[t] = scale;
            var scaleName = Fresh(t + "_scale");
            var zpName = Fresh(t + "_zero_point");
            graph.Initializer.Add(Scalar(scaleName, scale));
            graph.Initializer.Add(ZeroPoint(zpName, zeroPoint, options.Activations));
            var quantized = Fresh(t + "_quantized");
            string source = t, dequantized;
            if (graphOutputs.Contains(t))
            {
                // The graph output keeps its name: the producer writes a float copy that the pair then rounds.
                source = Fresh(t + "_float");
                foreach (var n in graph.Node) for (var i = 0; i < n.Output.Count; i++) if (n.Output[i] == t) n.Output[i] = source;
                dequantized = t;
            }
            else
            {
                dequantized = Fresh(t + "_dequantized");
                foreach (var n in graph.Node) for (var i = 0; i < n.Input.Count; i++) if (n.Input[i] == t) n.Input[i] = dequantized;
            }
            added.Add(OnnxProto.Node("QuantizeLinear", Fresh(t + "_QuantizeLinear"), [source, scaleName, zpName], [quantized]));
            added.Add(OnnxProto.Node("DequantizeLinear", Fresh(t + "_DequantizeLinear"), [quantized, scaleName, zpName], [dequantized]));
        }

        // 3. Weights: int8, symmetric, per output channel; biases int32 at input scale × weight scale.
        var weightScales = new Dictionary<string, (string Dequantized, float[] Scales)>(StringComparer.Ordinal);
        foreach (var q in plan.Nodes.Where(q => q.WeightInput >= 0))
        {
            var node = byName[q.Name];
            var wName = node.Input[q.WeightInput];
            if (!weightScales.TryGetValue(wName + "|" + q.WeightAxis, out var w))
            {
                var (wq, scales) = QuantizeWeight(init[wName], q.WeightAxis, options.ReduceRange);
                var qName = Fresh(wName + "_quantized");
                var sName = Fresh(wName + "_scale");
                var zName = Fresh(wName + "_zero_point");
                var dName = Fresh(wName + "_dequantized");
                wq.Name = qName;
                graph.Initializer.Add(wq);
                var perAxis = q.WeightAxis >= 0;
                graph.Initializer.Add(perAxis ? OnnxProto.FloatTensor(sName, [scales.Length], scales) : Scalar(sName, scales[0]));
                graph.Initializer.Add(perAxis ? Int8Zeros(zName, scales.Length) : ZeroPoint(zName, 0, ActivationType.Int8));
                added.Add(perAxis
                    ? OnnxProto.Node("DequantizeLinear", Fresh(wName + "_DequantizeLinear"), [qName, sName, zName], [dName], OnnxProto.Int("axis", q.WeightAxis))
                    : OnnxProto.Node("DequantizeLinear", Fresh(wName + "_DequantizeLinear"), [qName, sName, zName], [dName]));
                w = (dName, scales);
                weightScales[wName + "|" + q.WeightAxis] = w;
            }
            node.Input[q.WeightInput] = w.Dequantized;
            if (q.BiasInput < 0) continue;
            var bName = node.Input[q.BiasInput];
            var bias = OnnxProto.ReadFloats(init[bName]);
            var xScale = activationScale[q.ActivationInputs[0]];
            var bScales = new float[bias.Length];
            var bq = new int[bias.Length];
            for (var c = 0; c < bias.Length; c++)
            {
                bScales[c] = xScale * w.Scales[w.Scales.Length == 1 ? 0 : c];
                bq[c] = (int)Math.Clamp(Math.Round(bias[c] / (double)bScales[c], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
            }
            var bqName = Fresh(bName + "_quantized");
            var bsName = Fresh(bName + "_scale");
            var bzName = Fresh(bName + "_zero_point");
            var bdName = Fresh(bName + "_dequantized");
            graph.Initializer.Add(Int32Tensor(bqName, bq));
            graph.Initializer.Add(OnnxProto.FloatTensor(bsName, [bScales.Length], bScales));
            graph.Initializer.Add(Int32Tensor(bzName, new int[bias.Length]));
            added.Add(OnnxProto.Node("DequantizeLinear", Fresh(bName + "_DequantizeLinear"), [bqName, bsName, bzName], [bdName], OnnxProto.Int("axis", 0)));
            node.Input[q.BiasInput] = bdName;
        }

        graph.Node.AddRange(added);
        SortTopologically(graph);
        GraphPreparation.RemoveUnusedInitializers(graph);
        return model;
    }

    /// <summary>Scale and zero point of an activation range: asymmetric over [min(lo,0), max(hi,0)] so that 0 is
    /// exact (zero padding); a folded-Relu tensor starts at 0, which puts the zero point at the type's minimum.</summary>
    public static (float Scale, int ZeroPoint) ActivationParameters(TensorRange range, bool relu, ActivationType type)
    {
        var (qmin, qmax) = type == ActivationType.UInt8 ? (0, 255) : (-128, 127);
        double lo = relu ? 0 : Math.Min(range.Min, 0), hi = Math.Max(range.Max, 0);
        if (!(hi - lo > 1e-30) || double.IsNaN(hi - lo)) return (1f, relu ? qmin : (qmin + qmax + 1) / 2);
        var scale = (float)((hi - lo) / (qmax - qmin));
        var zp = (int)Math.Clamp(Math.Round(qmin - lo / scale, MidpointRounding.ToEven), qmin, qmax);
        return (scale, zp);
    }

    /// <summary>int8 weights and their per-channel scales (max|w|/127 per channel along <paramref name="axis"/>;
    /// one scale when axis is −1).</summary>
    internal static (TensorProto Quantized, float[] Scales) QuantizeWeight(TensorProto weight, int axis, bool reduceRange)
    {
        var w = OnnxProto.ReadFloats(weight);
        var dims = weight.Dims.ToArray();
        var qmax = reduceRange ? 63 : 127;
        var channels = axis < 0 ? 1 : (int)dims[axis];
        var inner = axis < 0 ? w.Length : (int)dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d);
        var maxAbs = new float[channels];
        for (var i = 0; i < w.Length; i++)
        {
            var c = axis < 0 ? 0 : i / inner % channels;
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(w[i]));
        }
        // An all-zero channel still needs a positive scale; any works since every value is 0.
        var scales = maxAbs.Select(m => m > 0 ? m / qmax : 1f).ToArray();
        var q = new byte[w.Length];
        for (var i = 0; i < w.Length; i++)
        {
            var c = axis < 0 ? 0 : i / inner % channels;
            q[i] = unchecked((byte)(sbyte)Math.Clamp(Math.Round(w[i] / (double)scales[c], MidpointRounding.ToEven), -qmax, qmax));
        }
        var t = new TensorProto { DataType = (int)DataType.Int8, RawData = ByteString.CopyFrom(q) };
        t.Dims.AddRange(dims);
        return (t, scales);
    }

    private static TensorProto Scalar(string name, float value)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.FloatData.Add(value);
        return t;
    }

    private static TensorProto ZeroPoint(string name, int value, ActivationType type)
    {
        var t = new TensorProto { Name = name, DataType = (int)(type == ActivationType.UInt8 ? DataType.Uint8 : DataType.Int8) };
        t.Int32Data.Add(value); // ONNX keeps (u)int8 scalars in int32_data, sign-extended
        return t;
    }

    private static TensorProto Int8Zeros(string name, int count)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Int8, RawData = ByteString.CopyFrom(new byte[count]) };
        t.Dims.Add(count);
        return t;
    }

    private static TensorProto Int32Tensor(string name, int[] values)
    {
        var bytes = new byte[values.Length * 4];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        var t = new TensorProto { Name = name, DataType = (int)DataType.Int32, RawData = ByteString.CopyFrom(bytes) };
        t.Dims.Add(values.Length);
        return t;
    }

    /// <summary>A node's name, or its first output's when it has none (CNTK and hand-built graphs leave names empty).</summary>
    public static string NodeName(NodeProto n) => n.Name.Length > 0 ? n.Name : n.Output[0];

    private static Dictionary<string, List<NodeProto>> ConsumerNodes(GraphProto graph)
    {
        var map = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
            foreach (var i in n.Input.Where(i => i.Length > 0).Distinct())
            {
                if (!map.TryGetValue(i, out var list)) map[i] = list = [];
                list.Add(n);
            }
        return map;
    }

    /// <summary>Kahn's sort that always emits the ready node earliest in the current order, so the result is the
    /// original order with each inserted Q/DQ placed as early as its inputs allow.</summary>
    private static void SortTopologically(GraphProto graph)
    {
        var nodes = graph.Node.ToList();
        var producedBy = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++) foreach (var o in nodes[i].Output) producedBy[o] = i;
        var waiting = new int[nodes.Count];
        var readers = new List<int>[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            readers[i] = [];
        }
        for (var i = 0; i < nodes.Count; i++)
            foreach (var input in nodes[i].Input.Distinct())
                if (producedBy.TryGetValue(input, out var p) && p != i)
                {
                    waiting[i]++;
                    readers[p].Add(i);
                }
        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < nodes.Count; i++) if (waiting[i] == 0) ready.Enqueue(i, i);
        var sorted = new List<NodeProto>(nodes.Count);
        while (ready.TryDequeue(out var i, out _))
        {
            sorted.Add(nodes[i]);
            foreach (var r in readers[i]) if (--waiting[r] == 0) ready.Enqueue(r, r);
        }
        if (sorted.Count != nodes.Count) throw new InvalidOperationException("The quantized graph has a cycle.");
        graph.Node.Clear();
        graph.Node.AddRange(sorted);
    }
}

using Onnx;

namespace Graft.FeatureCache.Onnx;

/// <summary>
/// Folds inference-mode BatchNormalization into the Conv that feeds it, in float64: W'[o] = W[o]·s, b'[o] = (b[o] −
/// mean[o])·s + β[o] with s = γ[o] / sqrt(var[o] + ε). The one fold for every graph rewrite: the float16 converter
/// folds before rounding to half and the int8 quantizer before quantizing, so the folded weight is rounded once. Only when the fold is exact: the Conv's output feeds nothing but this BatchNormalization, the Conv's
/// weight and bias belong to it alone, and every parameter is a float32 initializer.
/// </summary>
internal static class BatchNormFolding
{
    public static int Fold(GraphProto graph, long opset)
    {
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var consumers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
            foreach (var input in n.Input.Where(i => i.Length > 0))
                consumers[input] = consumers.GetValueOrDefault(input) + 1;
        foreach (var o in graph.Output) consumers[o.Name] = consumers.GetValueOrDefault(o.Name) + 1;
        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
            foreach (var output in n.Output.Where(o => o.Length > 0))
                producer[output] = n;

        var removed = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var folded = 0;
        foreach (var bn in graph.Node.Where(n => n.OpType == "BatchNormalization" && IsDefaultDomain(n)).ToList())
        {
            if (bn.Input.Count < 5 || bn.Output.Skip(1).Any(o => o.Length > 0 && consumers.GetValueOrDefault(o) > 0)) continue;
            if (Attr(bn, "training_mode")?.I == 1) continue;
            if (opset < 9 && Attr(bn, "spatial") is { I: 0 }) continue; // per-activation statistics: not a per-channel fold
            var x = bn.Input[0];
            if (!producer.TryGetValue(x, out var conv) || conv.OpType != "Conv" || !IsDefaultDomain(conv) || consumers.GetValueOrDefault(x) != 1) continue;
            var paramNames = bn.Input.Skip(1).Take(4).ToArray();
            if (!paramNames.All(p => initializers.TryGetValue(p, out var t) && t.DataType == (int)TensorProto.Types.DataType.Float)) continue;
            if (!initializers.TryGetValue(conv.Input[1], out var w) || w.DataType != (int)TensorProto.Types.DataType.Float || consumers.GetValueOrDefault(w.Name) != 1) continue;
            TensorProto? b = null;
            if (conv.Input.Count > 2 && conv.Input[2].Length > 0
                && (!initializers.TryGetValue(conv.Input[2], out b) || b.DataType != (int)TensorProto.Types.DataType.Float || consumers.GetValueOrDefault(b.Name) != 1)) continue;

            var gamma = OnnxProto.ReadFloats(initializers[paramNames[0]]);
            var beta = OnnxProto.ReadFloats(initializers[paramNames[1]]);
            var mean = OnnxProto.ReadFloats(initializers[paramNames[2]]);
            var variance = OnnxProto.ReadFloats(initializers[paramNames[3]]);
            var weights = OnnxProto.ReadFloats(w);
            var outChannels = (int)w.Dims[0];
            if (gamma.Length != outChannels || beta.Length != outChannels || mean.Length != outChannels || variance.Length != outChannels
                || weights.Length % outChannels != 0) continue;
            var bias = b is null ? new float[outChannels] : OnnxProto.ReadFloats(b);
            if (bias.Length != outChannels) continue;
            var epsilon = Attr(bn, "epsilon")?.F ?? 1e-5f;

            var per = weights.Length / outChannels;
            var newBias = new float[outChannels];
            for (var o = 0; o < outChannels; o++)
            {
                var s = gamma[o] / Math.Sqrt(variance[o] + (double)epsilon);
                for (var k = 0; k < per; k++) weights[o * per + k] = (float)(weights[o * per + k] * s);
                newBias[o] = (float)((bias[o] - (double)mean[o]) * s + beta[o]);
            }
            Replace(graph, initializers, w.Name, OnnxProto.FloatTensor(w.Name, w.Dims.ToArray(), weights));
            var biasName = b?.Name ?? Unique(initializers, conv.Output[0] + "_folded_bias");
            Replace(graph, initializers, biasName, OnnxProto.FloatTensor(biasName, [outChannels], newBias));
            if (conv.Input.Count > 2) conv.Input[2] = biasName;
            else conv.Input.Add(biasName);
            if (b is null) consumers[biasName] = 1;
            conv.Output[0] = bn.Output[0];
            producer[bn.Output[0]] = conv;
            removed.Add(bn);
            foreach (var p in paramNames)
            {
                consumers[p]--;
                if (consumers[p] == 0) RemoveInitializer(graph, initializers, p);
            }
            folded++;
        }
        if (folded == 0) return 0;
        var kept = graph.Node.Where(n => !removed.Contains(n)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        return folded;
    }

    internal static bool IsDefaultDomain(NodeProto n) => n.Domain is "" or "ai.onnx";

    private static AttributeProto? Attr(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name);

    private static string Unique(Dictionary<string, TensorProto> names, string wanted)
    {
        var name = wanted;
        for (var i = 1; names.ContainsKey(name); i++) name = $"{wanted}_{i}";
        return name;
    }

    private static void Replace(GraphProto graph, Dictionary<string, TensorProto> initializers, string name, TensorProto tensor)
    {
        if (initializers.TryGetValue(name, out var old))
        {
            var at = graph.Initializer.IndexOf(old);
            graph.Initializer[at] = tensor;
        }
        else
        {
            graph.Initializer.Add(tensor);
            // IR version < 4 lists every initializer among the graph inputs as well.
            if (graph.Input.Count > 0 && graph.Initializer.Count > 1 && graph.Input.Any(i => initializers.ContainsKey(i.Name)))
                graph.Input.Add(OnnxProto.Value(name, TensorProto.Types.DataType.Float, tensor.Dims.Select(d => OnnxProto.Dim(d)).ToArray()));
        }
        initializers[name] = tensor;
    }

    private static void RemoveInitializer(GraphProto graph, Dictionary<string, TensorProto> initializers, string name)
    {
        graph.Initializer.Remove(initializers[name]);
        initializers.Remove(name);
        var input = graph.Input.FirstOrDefault(i => i.Name == name);
        if (input is not null) graph.Input.Remove(input);
    }
}

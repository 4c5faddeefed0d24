using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using Graft.ModelImport.Keras;
using Graft.ModelImport.Weights;
using Onnx;
using static Graft.FeatureCache.Onnx.OnnxProto;

namespace Graft.ModelImport.Onnx;

/// <summary>
/// Writes a <see cref="KerasModel"/> with its <see cref="KerasWeights"/> as an ONNX model (opset 13, float32, NCHW):
/// input <c>input_1</c> [N, 3, H, W] with symbolic batch N, output [N, C] after global average pooling. Every node is
/// named after the Keras layer it implements; a layer that needs several nodes uses "&lt;layer&gt;" for the node
/// producing the layer's output and "&lt;layer&gt;/&lt;part&gt;" for the others; initializers are
/// "&lt;layer&gt;/&lt;weight&gt;". Mapping:
/// <list type="bullet">
/// <item>Conv2D → Conv, kernel (kh, kw, in, out) → (out, in, kh, kw); "same" as explicit, possibly asymmetric pads
/// computed the TensorFlow way (<see cref="TfPadding"/>).</item>
/// <item>SeparableConv2D → "&lt;layer&gt;/depthwise" Conv with group = channels, kernel (kh, kw, C, 1) → (C, 1, kh, kw),
/// then "&lt;layer&gt;" 1×1 Conv, (1, 1, C, F) → (F, C, 1, 1); no bias (Keras use_bias=False).</item>
/// <item>BatchNormalization → BatchNormalization (not folded: the fine-tuner trains or freezes it).</item>
/// <item>ZeroPadding2D → Pad; Cropping2D → Slice; AveragePooling2D → AveragePool with count_include_pad = 0
/// (TensorFlow divides by the number of real pixels); MaxPooling2D → MaxPool; Add → Add/Sum; Concatenate → Concat
/// on channels; Activation → Relu.</item>
/// </list>
/// Every node output gets a value_info with its shape, so tools (and <c>graft backbone layers</c>) know the shapes
/// without running the model. <c>metadata_props</c> holds the Keras layer list (<see cref="GraftModelMetadata"/>).
/// In NASNet every "same" convolution and pooling has stride 1 and an odd window, so its pads are symmetric; the
/// stride-2 layers get Keras's explicit ZeroPadding2D (correct_pad) and pad "valid", exactly as Keras builds them.
/// Caveat for other graphs: ONNX Runtime's Pad fusion folds a zero Pad whose only consumer is a MaxPool into the pool's
/// (−∞) padding, which changes the result on negative inputs. NASNet's only Pad before a MaxPool, reduction_pad_1,
/// has three consumers and is never fused (tested in OnnxOpSemanticsTests).
/// </summary>
public static class KerasOnnxWriter
{
    public const int Opset = 13;

    public static ModelProto Build(KerasWeights weights, OnnxExportOptions? options = null)
    {
        options ??= new OnnxExportOptions();
        var model = weights.Model;
        var graph = new GraphProto { Name = model.Name };
        var inShape = model.Input.OutputShape;
        graph.Input.Add(FloatValue(model.Input.Name, null, inShape.Channels, inShape.Height, inShape.Width));

        // Kernel transposes are the bulk of the work (85 M values for NASNetLarge): done in parallel, up front.
        var weighted = model.WeightedLayers.ToList();
        var converted = new TensorProto[weighted.Count][];
        Parallel.For(0, weighted.Count, i => converted[i] = ConvertWeights(weighted[i], weights.For(weighted[i])));
        foreach (var layer in model.Layers) Emit(graph, layer);
        foreach (var tensors in converted) graph.Initializer.AddRange(tensors);

        var last = model.Output;
        string outputName;
        if (options.GlobalAveragePool)
        {
            var pooled = GraftModelMetadata.PooledOutput;
            graph.Node.Add(Node("GlobalAveragePool", pooled + "/pool", [last.Name]));
            graph.ValueInfo.Add(FloatValue(pooled + "/pool", null, last.OutputShape.Channels, 1, 1));
            graph.Node.Add(Node("Flatten", pooled, [pooled + "/pool"], Int("axis", 1)));
            outputName = pooled;
            graph.Output.Add(FloatValue(pooled, null, last.OutputShape.Channels));
        }
        else
        {
            outputName = last.Name;
            graph.Output.Add(FloatValue(last.Name, null, last.OutputShape.Channels, last.OutputShape.Height, last.OutputShape.Width));
        }
        // The graph output's shape is in graph.output; value_info lists only intermediate tensors.
        var outputInfo = graph.ValueInfo.FirstOrDefault(v => v.Name == outputName);
        if (outputInfo is not null) graph.ValueInfo.Remove(outputInfo);

        var proto = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "graft",
            ProducerVersion = typeof(KerasOnnxWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            DocString = options.Description ?? "",
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        AddMetadata(proto, GraftModelMetadata.Layers, JsonSerializer.Serialize(model.Layers.Select(l => l.Name)));
        AddMetadata(proto, GraftModelMetadata.LayerTypes, JsonSerializer.Serialize(model.Layers.Select(l => l.ClassName)));
        foreach (var (key, value) in options.Metadata) AddMetadata(proto, key, value);
        return proto;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> through a temporary file and a rename, so
    /// that a reader never sees half a model.</summary>
    public static void Write(ModelProto model, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                model.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static void Emit(GraphProto graph, KerasLayer layer)
    {
        var name = layer.Name;
        var o = layer.OutputShape;
        switch (layer.Kind)
        {
            case KerasLayerKind.InputLayer:
                return; // the graph input, named after the layer
            case KerasLayerKind.Conv2D:
                graph.Node.Add(Node("Conv", name, [layer.Input.Name, $"{name}/kernel"], ConvAttributes(layer, group: 1)));
                break;
            case KerasLayerKind.SeparableConv2D:
            {
                var c = layer.Input.OutputShape.Channels;
                graph.Node.Add(Node("Conv", $"{name}/depthwise", [layer.Input.Name, $"{name}/depthwise_kernel"], ConvAttributes(layer, group: c)));
                graph.ValueInfo.Add(FloatValue($"{name}/depthwise", null, c, o.Height, o.Width));
                graph.Node.Add(Node("Conv", name, [$"{name}/depthwise", $"{name}/pointwise_kernel"],
                    Ints("kernel_shape", 1, 1), Ints("strides", 1, 1), Ints("pads", 0, 0, 0, 0), Int("group", 1)));
                break;
            }
            case KerasLayerKind.BatchNormalization:
                graph.Node.Add(Node("BatchNormalization", name,
                    [layer.Input.Name, $"{name}/gamma", $"{name}/beta", $"{name}/moving_mean", $"{name}/moving_variance"],
                    Float("epsilon", layer.Epsilon), Float("momentum", layer.Momentum)));
                break;
            case KerasLayerKind.Activation:
                graph.Node.Add(Node("Relu", name, [layer.Input.Name]));
                break;
            case KerasLayerKind.ZeroPadding2D:
            {
                var m = layer.Margins;
                graph.Initializer.Add(Int64Tensor($"{name}/pads", 0, 0, m.Top, m.Left, 0, 0, m.Bottom, m.Right));
                graph.Node.Add(Node("Pad", name, [layer.Input.Name, $"{name}/pads"]));
                break;
            }
            case KerasLayerKind.Cropping2D:
            {
                var m = layer.Margins;
                var s = layer.Input.OutputShape;
                graph.Initializer.Add(Int64Tensor($"{name}/starts", m.Top, m.Left));
                graph.Initializer.Add(Int64Tensor($"{name}/ends", s.Height - m.Bottom, s.Width - m.Right));
                graph.Initializer.Add(Int64Tensor($"{name}/axes", 2, 3));
                graph.Node.Add(Node("Slice", name, [layer.Input.Name, $"{name}/starts", $"{name}/ends", $"{name}/axes"]));
                break;
            }
            case KerasLayerKind.AveragePooling2D:
                graph.Node.Add(Node("AveragePool", name, [layer.Input.Name], [.. PoolAttributes(layer), Int("count_include_pad", 0)]));
                break;
            case KerasLayerKind.MaxPooling2D:
                graph.Node.Add(Node("MaxPool", name, [layer.Input.Name], PoolAttributes(layer)));
                break;
            case KerasLayerKind.Add:
                graph.Node.Add(Node(layer.Inputs.Count == 2 ? "Add" : "Sum", name, layer.Inputs.Select(i => i.Name)));
                break;
            case KerasLayerKind.Concatenate:
                graph.Node.Add(Node("Concat", name, layer.Inputs.Select(i => i.Name), Int("axis", 1)));
                break;
            default:
                throw new InvalidOperationException($"No ONNX mapping for {layer.ClassName} ({name}).");
        }
        graph.ValueInfo.Add(FloatValue(name, null, o.Channels, o.Height, o.Width));
    }

    private static AttributeProto[] ConvAttributes(KerasLayer layer, int group)
    {
        var (top, left, bottom, right) = Pads(layer);
        return
        [
            Ints("kernel_shape", layer.KernelSize, layer.KernelSize), Ints("strides", layer.Stride, layer.Stride),
            Ints("pads", top, left, bottom, right), Ints("dilations", 1, 1), Int("group", group),
        ];
    }

    private static AttributeProto[] PoolAttributes(KerasLayer layer)
    {
        var (top, left, bottom, right) = Pads(layer);
        return [Ints("kernel_shape", layer.KernelSize, layer.KernelSize), Ints("strides", layer.Stride, layer.Stride), Ints("pads", top, left, bottom, right)];
    }

    /// <summary>ONNX pads order: top, left, bottom, right.</summary>
    private static (int Top, int Left, int Bottom, int Right) Pads(KerasLayer layer)
    {
        var s = layer.Input.OutputShape;
        var (top, bottom) = TfPadding.Pads(s.Height, layer.KernelSize, layer.Stride, layer.Padding);
        var (left, right) = TfPadding.Pads(s.Width, layer.KernelSize, layer.Stride, layer.Padding);
        return (top, left, bottom, right);
    }

    private static TensorProto[] ConvertWeights(KerasLayer layer, IReadOnlyList<float[]> values)
    {
        var result = new TensorProto[layer.Weights.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var spec = layer.Weights[i];
            var name = $"{layer.Name}/{spec.Name}";
            if (spec.Shape.Length == 4)
            {
                var (kh, kw, ci, co) = (spec.Shape[0], spec.Shape[1], spec.Shape[2], spec.Shape[3]);
                var oihw = WeightLayout.HwioToOihw(values[i], kh, kw, ci, co);
                // A depthwise kernel (kh, kw, C, 1) becomes (1, C, kh, kw) in memory, i.e. ONNX's (C, 1, kh, kw).
                long[] dims = spec.Name == "depthwise_kernel" ? [ci, 1, kh, kw] : [co, ci, kh, kw];
                result[i] = FloatTensor(name, dims, oihw);
            }
            else
            {
                result[i] = FloatTensor(name, spec.Shape.Select(d => (long)d).ToArray(), values[i]);
            }
        }
        return result;
    }

    private static void AddMetadata(ModelProto proto, string key, string value) =>
        proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}

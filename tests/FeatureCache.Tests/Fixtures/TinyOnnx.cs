using Google.Protobuf;
using Onnx;

namespace Graft.FeatureCache.Tests.Fixtures;

/// <summary>
/// Builds tiny ONNX CNN backbones in code (no Python, no files checked in): Conv(3→C, 3×3, stride 2, pad 1) → Relu →
/// GlobalAveragePool → (Flatten). Weights come from a seeded generator, so the same seed gives the same model bytes.
/// </summary>
public static class TinyOnnx
{
    /// <param name="path">Where to write the model.</param>
    /// <param name="size">Input height and width.</param>
    /// <param name="channels">Feature width C.</param>
    /// <param name="flatten">Output [N,C] (true) or [N,C,1,1].</param>
    /// <param name="fixedBatch">Fix the batch dimension at 1, as CNTK exports do.</param>
    /// <param name="pool">False: output the [N,C,H/2,W/2] map, for Graft's own pooling.</param>
    /// <param name="nhwc">Take [N,H,W,3] input (a Transpose first), as tf2onnx exports do.</param>
    public static string Write(string path, int size = 16, int channels = 8, bool flatten = true, bool fixedBatch = false,
        bool pool = true, int seed = 1, bool nhwc = false)
    {
        var rng = new Random(seed);
        var weights = new float[channels * 3 * 3 * 3];
        for (var i = 0; i < weights.Length; i++) weights[i] = (float)(rng.NextDouble() * 2 - 1) * 0.2f;
        var bias = new float[channels];
        for (var i = 0; i < channels; i++) bias[i] = (float)(rng.NextDouble() * 0.1);

        var graph = new GraphProto { Name = "tiny" };
        graph.Initializer.Add(Tensor("W", [channels, 3, 3, 3], weights));
        graph.Initializer.Add(Tensor("B", [channels], bias));
        var convInput = "input";
        if (nhwc)
        {
            graph.Node.Add(Node("Transpose", ["input"], ["nchw"], Ints("perm", 0, 3, 1, 2)));
            convInput = "nchw";
        }
        graph.Node.Add(Node("Conv", [convInput, "W", "B"], ["conv"], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)));
        graph.Node.Add(Node("Relu", ["conv"], ["relu"]));
        var batch = fixedBatch ? Dim(1) : Dim("N");
        string output;
        TensorShapeProto outShape;
        if (!pool)
        {
            output = "relu";
            outShape = Shape(batch, Dim(channels), Dim(size / 2), Dim(size / 2));
        }
        else
        {
            graph.Node.Add(Node("GlobalAveragePool", ["relu"], ["pooled"]));
            output = "pooled";
            outShape = Shape(batch, Dim(channels), Dim(1), Dim(1));
            if (flatten)
            {
                graph.Node.Add(Node("Flatten", ["pooled"], ["features"], Int("axis", 1)));
                output = "features";
                outShape = Shape(batch, Dim(channels));
            }
        }
        var inShape = nhwc ? Shape(fixedBatch ? Dim(1) : Dim("N"), Dim(size), Dim(size), Dim(3)) : Shape(fixedBatch ? Dim(1) : Dim("N"), Dim(3), Dim(size), Dim(size));
        graph.Input.Add(Value("input", inShape));
        graph.Output.Add(Value(output, outShape));
        var model = new ModelProto { IrVersion = 7, ProducerName = "graft-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static TensorProto Tensor(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static TensorShapeProto.Types.Dimension Dim(long v) => new() { DimValue = v };
    private static TensorShapeProto.Types.Dimension Dim(string p) => new() { DimParam = p };

    private static TensorShapeProto Shape(params TensorShapeProto.Types.Dimension[] dims)
    {
        var s = new TensorShapeProto();
        s.Dim.AddRange(dims);
        return s;
    }

    private static ValueInfoProto Value(string name, TensorShapeProto shape) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
    };
}

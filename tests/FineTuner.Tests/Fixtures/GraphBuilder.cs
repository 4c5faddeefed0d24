using Google.Protobuf;
using Onnx;

namespace Graft.FineTuner.Tests.Fixtures;

/// <summary>Builds small ONNX graphs in code with seeded random weights, for operator-by-operator parity against
/// ONNX Runtime (no Python, no files).</summary>
public sealed class GraphBuilder
{
    private readonly GraphProto _graph = new() { Name = "fixture" };
    private readonly Random _rng;
    private int _counter;

    public GraphBuilder(int seed = 1, int opset = 13)
    {
        _rng = new Random(seed);
        Opset = opset;
    }

    public int Opset { get; }

    /// <summary>Adds a float input with a symbolic batch dimension ([N, …rest]).</summary>
    public string Input(string name, params long[] rest)
    {
        _graph.Input.Add(Value(name, [-1, .. rest]));
        return name;
    }

    /// <summary>A float initializer with uniform values in [lo, hi).</summary>
    public string Weight(string name, long[] dims, float lo = -0.5f, float hi = 0.5f)
    {
        var count = dims.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = lo + (float)_rng.NextDouble() * (hi - lo);
        return Floats(name, dims, values);
    }

    public string Floats(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        _graph.Initializer.Add(t);
        return name;
    }

    public string Longs(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>A Constant node holding a float tensor with uniform values in [lo, hi) (how some exporters store
    /// weights); returns its output name.</summary>
    public string ConstantWeight(string name, long[] dims, float lo = -0.5f, float hi = 0.5f)
    {
        var count = dims.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = lo + (float)_rng.NextDouble() * (hi - lo);
        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        var n = new NodeProto { OpType = "Constant", Name = name };
        n.Output.Add(name);
        n.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = t });
        _graph.Node.Add(n);
        return name;
    }

    /// <summary>A Constant node holding a one-element float tensor (an eps, a ½).</summary>
    public string ConstantScalar(string name, float value)
    {
        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        t.FloatData.Add(value);
        var n = new NodeProto { OpType = "Constant", Name = name };
        n.Output.Add(name);
        n.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = t });
        _graph.Node.Add(n);
        return name;
    }

    /// <summary>Adds a node with several outputs (Split, Dropout with mask); returns the output names.</summary>
    public string[] NodeOutputs(string op, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var name = $"{op}_{++_counter}";
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        for (var i = 0; i < outputs; i++) n.Output.Add($"{name}_out{i}");
        n.Attribute.AddRange(attributes);
        _graph.Node.Add(n);
        return n.Output.ToArray();
    }

    /// <summary>Adds a node; returns its (first) output name.</summary>
    public string Node(string op, string[] inputs, params AttributeProto[] attributes) => NodeNamed(op, $"{op}_{++_counter}", inputs, attributes);

    public string NodeNamed(string op, string name, string[] inputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.Add(name + "_out");
        n.Attribute.AddRange(attributes);
        _graph.Node.Add(n);
        return n.Output[0];
    }

    public GraphBuilder Output(string name)
    {
        _graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        return this;
    }

    public ModelProto Build(IReadOnlyDictionary<string, string>? metadata = null)
    {
        // ONNX Runtime wants an IR version that knows the opset: 8 up to opset 18, 9 for 19–20, 10 from 21.
        var ir = Opset >= 21 ? 10 : Opset >= 19 ? 9 : 8;
        var model = new ModelProto { IrVersion = ir, ProducerName = "graft-tests", Graph = _graph.Clone() };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (k, v) in metadata ?? new Dictionary<string, string>())
            model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Floats(string name, params float[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }
}

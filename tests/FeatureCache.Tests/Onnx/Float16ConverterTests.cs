using Google.Protobuf;
using Graft.FeatureCache.Onnx;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Onnx.Float16;
using Graft.FeatureCache.Preprocessing;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Graft.FeatureCache.Tests.Onnx;

/// <summary>The float16 converter on a small graph built here (Conv → BatchNormalization → Relu, a float Constant, a
/// blocked Max, an int64 shape path), run in ONNX Runtime against its float32 original.</summary>
public sealed class Float16ConverterTests : IDisposable
{
    private readonly TempDir _dir = new("fp16");

    public void Dispose() => _dir.Dispose();

    /// <summary>input [N,3,8,8] → Conv(4) → BN → Relu → Mul(Constant 0.5) → Max(floor initializer, blocked) →
    /// GlobalAveragePool → Reshape(Constant int64 [0,-1]) → features [N,4].</summary>
    internal static ModelProto Model(int seed = 3, bool initializersAsInputs = false)
    {
        var rng = new Random(seed);
        float[] R(int n, double scale, double offset = 0) => Enumerable.Range(0, n).Select(_ => (float)(offset + (rng.NextDouble() * 2 - 1) * scale)).ToArray();
        var g = new GraphProto { Name = "fp16-test" };
        g.Initializer.Add(OnnxProto.FloatTensor("W", [4, 3, 3, 3], R(108, 0.5)));
        g.Initializer.Add(OnnxProto.FloatTensor("B", [4], R(4, 0.1)));
        g.Initializer.Add(OnnxProto.FloatTensor("gamma", [4], R(4, 0.3, 1)));
        g.Initializer.Add(OnnxProto.FloatTensor("beta", [4], R(4, 0.2)));
        g.Initializer.Add(OnnxProto.FloatTensor("mean", [4], R(4, 0.5)));
        g.Initializer.Add(OnnxProto.FloatTensor("var", [4], R(4, 0.2, 0.5)));
        g.Initializer.Add(OnnxProto.FloatTensor("floor", [1], [0.05f]));
        g.Node.Add(OnnxProto.Node("Conv", "conv", ["input", "W", "B"], ["c"], OnnxProto.Ints("kernel_shape", 3, 3), OnnxProto.Ints("pads", 1, 1, 1, 1)));
        g.Node.Add(OnnxProto.Node("BatchNormalization", "bn", ["c", "gamma", "beta", "mean", "var"], ["bn"], OnnxProto.Float("epsilon", 1e-3f)));
        g.Node.Add(OnnxProto.Node("Relu", "relu", ["bn"], ["r"]));
        var half = OnnxProto.FloatTensor("", [], [0.5f]);
        g.Node.Add(OnnxProto.Node("Constant", "k", [], ["k"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = half }));
        g.Node.Add(OnnxProto.Node("Mul", "mul", ["r", "k"], ["m"]));
        g.Node.Add(OnnxProto.Node("Max", "max", ["m", "floor"], ["x"]));
        g.Node.Add(OnnxProto.Node("GlobalAveragePool", "gap", ["x"], ["p"]));
        var shape = new TensorProto { DataType = (int)DataType.Int64 };
        shape.Dims.Add(2);
        shape.Int64Data.AddRange([0, -1]);
        g.Node.Add(OnnxProto.Node("Constant", "shape", [], ["shape"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = shape }));
        g.Node.Add(OnnxProto.Node("Reshape", "flatten", ["p", "shape"], ["features"]));
        g.Input.Add(OnnxProto.FloatValue("input", null, 3, 8, 8));
        if (initializersAsInputs) // IR version 3 (CNTK exports) lists every initializer among the inputs
            foreach (var t in g.Initializer) g.Input.Add(OnnxProto.Value(t.Name, DataType.Float, t.Dims.Select(d => OnnxProto.Dim(d)).ToArray()));
        g.Output.Add(OnnxProto.FloatValue("features", null, 4));
        g.ValueInfo.Add(OnnxProto.FloatValue("r", null, 4, 8, 8));
        var m = new ModelProto { IrVersion = initializersAsInputs ? 3 : 7, ProducerName = "graft-tests", Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = initializersAsInputs ? 8 : 13 });
        return m;
    }

    private static float[] RunOrt(ModelProto model, float[] input, int n)
    {
        using var session = new InferenceSession(model.ToByteArray(), new SessionOptions { IntraOpNumThreads = 1 });
        using var value = OrtValue.CreateTensorValueFromMemory(input, [n, 3, 8, 8]);
        using var results = session.Run(new RunOptions(), ["input"], [value], ["features"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static float[] Input(int n)
    {
        var rng = new Random(11);
        return Enumerable.Range(0, n * 3 * 64).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static int ElemType(ValueInfoProto v) => v.Type.TensorType.ElemType;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Convert_WeightsHalfIoFloatBlockedOpFloatBatchNormFolded_RunsCloseToFloat32(bool irVersion3)
    {
        var fp32 = Model(initializersAsInputs: irVersion3);
        var model = fp32.Clone();
        var report = Float16Converter.Convert(model);
        var g = model.Graph;

        Assert.Equal(1, report.FoldedBatchNorms);
        Assert.DoesNotContain(g.Node, n => n.OpType == "BatchNormalization");
        // The BN parameters went into the Conv; what is left: W, folded bias (both half), floor (read only by Max: float32).
        Assert.Equal(["B", "W", "floor"], g.Initializer.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal((int)DataType.Float16, g.Initializer.Single(t => t.Name == "W").DataType);
        Assert.Equal((int)DataType.Float16, g.Initializer.Single(t => t.Name == "B").DataType);
        Assert.Equal((int)DataType.Float, g.Initializer.Single(t => t.Name == "floor").DataType);
        Assert.Equal(2, report.ConvertedInitializers);
        Assert.Equal(1, report.Float32Initializers);
        Assert.Equal(new Dictionary<string, int> { ["Max"] = 1 }, report.Float32Nodes);
        // Inputs and outputs keep their names and float32; the boundary is made of Casts.
        Assert.Equal((int)DataType.Float, ElemType(g.Input.Single(i => i.Name == "input")));
        Assert.Equal((int)DataType.Float, ElemType(g.Output.Single()));
        Assert.Equal("features", g.Output.Single().Name);
        var toHalf = g.Node.Single(n => n.OpType == "Cast" && n.Input[0] == "input");
        Assert.Equal((long)DataType.Float16, toHalf.Attribute.Single().I);
        Assert.Equal("features", g.Node.Last().Output[0]);
        Assert.Equal("Cast", g.Node.Last().OpType);
        // Max reads float32 (a Cast of the half tensor) and its output is cast back before GlobalAveragePool.
        var max = g.Node.Single(n => n.OpType == "Max");
        Assert.Equal("Cast", g.Node.Single(n => n.Output.Contains(max.Input[0])).OpType);
        Assert.Equal("floor", max.Input[1]);
        Assert.Equal(4, report.CastsInserted); // input→half, half→float for Max, Max→half, output→float
        // The float Constant is half now; the int64 shape Constant is untouched.
        Assert.Equal((int)DataType.Float16, g.Node.Single(n => n.Name == "k").Attribute.Single().T.DataType);
        Assert.Equal((int)DataType.Int64, g.Node.Single(n => n.Name == "shape").Attribute.Single().T.DataType);
        Assert.Equal(1, report.ConvertedConstants);
        // value_info follows the new type; IR 3's initializer inputs too.
        Assert.Equal((int)DataType.Float16, ElemType(g.ValueInfo.Single(v => v.Name == "r")));
        if (irVersion3)
        {
            Assert.Equal((int)DataType.Float16, ElemType(g.Input.Single(i => i.Name == "W")));
            Assert.Equal((int)DataType.Float, ElemType(g.Input.Single(i => i.Name == "floor")));
            Assert.DoesNotContain(g.Input, i => i.Name == "gamma");
        }

        var x = Input(5);
        var reference = RunOrt(fp32, x, 5);
        var actual = RunOrt(model, x, 5);
        var agreement = FeatureAgreement.Compare(reference, actual, 4);
        Assert.True(agreement.MaxRelativeDelta < 5e-3, $"max rel |Δ| {agreement.MaxRelativeDelta}");
        Assert.True(agreement.MinCosine > 0.99999, $"cosine {agreement.MinCosine}");
        Assert.True(agreement.MaxAbsDelta > 0, "half arithmetic should differ from float32 somewhere");
    }

    [Fact]
    public void Convert_WithoutFolding_BatchNormRunsInHalf_AndKeepFloat32AddsOps()
    {
        var fp32 = Model();
        var model = fp32.Clone();
        var report = Float16Converter.Convert(model, new Float16Options { FoldBatchNorm = false, KeepFloat32 = ["Relu"] });
        Assert.Equal(0, report.FoldedBatchNorms);
        var bn = model.Graph.Node.Single(n => n.OpType == "BatchNormalization");
        foreach (var p in bn.Input.Skip(1))
            Assert.Equal((int)DataType.Float16, model.Graph.Initializer.Single(t => t.Name == p).DataType);
        Assert.Equal(new Dictionary<string, int> { ["Max"] = 1, ["Relu"] = 1 }, report.Float32Nodes);
        var agreement = FeatureAgreement.Compare(RunOrt(fp32, Input(3), 3), RunOrt(model, Input(3), 3), 4);
        Assert.True(agreement.MinCosine > 0.9999, $"cosine {agreement.MinCosine}");
    }

    [Fact]
    public void Convert_ConstantReadOnlyByFloat32Op_StaysFloat32()
    {
        // Max's floor as a Constant node instead of an initializer: 1/3 must reach Max unrounded.
        var fp32 = Model();
        var g = fp32.Graph;
        g.Initializer.Remove(g.Initializer.Single(t => t.Name == "floor"));
        var third = OnnxProto.FloatTensor("", [1], [1 / 3f]);
        g.Node.Insert(0, OnnxProto.Node("Constant", "floor", [], ["floor"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = third }));
        var model = fp32.Clone();
        var report = Float16Converter.Convert(model);
        var floor = model.Graph.Node.Single(n => n.Name == "floor").Attribute.Single().T;
        Assert.Equal((int)DataType.Float, floor.DataType);
        Assert.Equal(1 / 3f, OnnxProto.ReadFloats(floor)[0]);
        Assert.Equal("floor", model.Graph.Node.Single(n => n.OpType == "Max").Input[1]);
        Assert.Equal(1, report.ConvertedConstants); // only the Mul's 0.5
        Assert.Equal(new Dictionary<string, int> { ["Max"] = 1 }, report.Float32Nodes);
        var agreement = FeatureAgreement.Compare(RunOrt(fp32, Input(2), 2), RunOrt(model, Input(2), 2), 4);
        Assert.True(agreement.MinCosine > 0.99999, $"cosine {agreement.MinCosine}");
    }

    [Fact]
    public void Convert_ValuesBeyondHalfRange_ClampedNotInfinite_TinyOnesCounted()
    {
        var model = Model();
        var w = model.Graph.Initializer.Single(t => t.Name == "W");
        var values = OnnxProto.ReadFloats(w);
        values[0] = 1e6f;
        values[1] = -7e4f;
        values[2] = 1e-9f;
        model.Graph.Initializer[model.Graph.Initializer.IndexOf(w)] = OnnxProto.FloatTensor("W", w.Dims.ToArray(), values);
        var report = Float16Converter.Convert(model, new Float16Options { FoldBatchNorm = false });
        Assert.Equal(2, report.ClampedValues);
        Assert.Equal(1, report.UnderflowedValues);
        var half = Float16Converter.ReadHalfs(model.Graph.Initializer.Single(t => t.Name == "W"));
        Assert.Equal(65504f, half[0]);
        Assert.Equal(-65504f, half[1]);
        Assert.Equal(0f, half[2]);
        Assert.Equal(values[3], half[3], 0.001f);
    }

    [Fact]
    public void Convert_AlreadyHalf_Refused()
    {
        var model = Model();
        Float16Converter.Convert(model);
        var e = Assert.Throws<GraftException>(() => Float16Converter.Convert(model));
        Assert.Contains("already float16", e.Message);
    }

    [Fact]
    public void Convert_IntegerModel_Refused()
    {
        var g = new GraphProto { Name = "ints" };
        g.Initializer.Add(OnnxProto.Int64Tensor("one", 1));
        g.Node.Add(OnnxProto.Node("Add", "add", ["x", "one"], ["y"]));
        g.Input.Add(OnnxProto.Value("x", DataType.Int64, OnnxProto.Dim(1)));
        g.Output.Add(OnnxProto.Value("y", DataType.Int64, OnnxProto.Dim(1)));
        var m = new ModelProto { IrVersion = 7, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        var e = Assert.Throws<GraftException>(() => Float16Converter.Convert(m));
        Assert.Contains("no float32 input or weights", e.Message);
    }

    [Fact]
    public void FeatureAgreement_Figures()
    {
        float[] reference = [1, 0, 0, 2, 2, 0];
        float[] actual = [1, 0, 0.5f, 2, 2, 0];
        var a = FeatureAgreement.Compare(reference, actual, 3);
        Assert.Equal(0.5, a.MaxAbsDelta, 6);
        Assert.Equal(0.25, a.MaxRelativeDelta, 6);
        Assert.Equal(1 / Math.Sqrt(1.25), a.MinCosine, 6);
        Assert.Equal((1 + 1 / Math.Sqrt(1.25)) / 2, a.MeanCosine, 6);
        Assert.False(a.Within(0.1, 0.9));
        Assert.True(a.Within(0.25, 0.89));
    }
}

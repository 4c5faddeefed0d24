using Graft.FeatureCache.Onnx;
using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Onnx.Quantization;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Graft.FeatureCache.Tests.Quantization;

/// <summary>The QDQ rewrite on a small generated CNN: graph structure, numbers, determinism, ONNX Runtime's fusion
/// into integer kernels, and the refusals.</summary>
public sealed class QdqQuantizerTests
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();
    private static readonly BackboneOutput Logits = new() { Name = "fc", Dimension = SmallCnn.Classes };

    private static ModelProto Quantize(ModelProto prepared, CalibrationImages images, QuantizationOptions? options = null)
    {
        options ??= new QuantizationOptions();
        var plan = QdqQuantizer.Plan(prepared, options.Exclude);
        var ranges = ActivationCalibrator.Calibrate(prepared, plan.Tensors, images, options, threads: 1);
        return QdqQuantizer.Apply(prepared, plan, ranges, options);
    }

    private static float[] Run(ModelProto model, CalibrationImages images) =>
        FeatureComparison.Features(model, Logits, Graft.FeatureCache.Preprocessing.TensorLayout.Nchw, images, threads: 1);

    [Fact]
    public void Prepare_FoldsBatchNormRaisesOpsetAndKeepsTheFunction()
    {
        var source = SmallCnn.Build();
        var prepared = GraphPreparation.Prepare(source, out var folded);
        Assert.Equal(1, folded);
        Assert.DoesNotContain(prepared.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal(13, prepared.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Equal(["image"], prepared.Graph.Input.Select(i => i.Name)); // initializers are no longer inputs

        // The original runs too once the opset-8 attribute is understood by ORT: compare its outputs to the folded graph.
        var images = SmallCnn.Images(6);
        var before = Run(source, images);
        var after = Run(prepared, images);
        for (var i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 4);
    }

    [Fact]
    public void Plan_QuantizesConvAddGemm_FoldsTheReluAfterAQuantizedNode()
    {
        var prepared = GraphPreparation.Prepare(SmallCnn.Build(), out _);
        var plan = QdqQuantizer.Plan(prepared, None);
        Assert.Equal(["conv1", "conv2", "residual", "fc"], plan.Nodes.Select(n => n.Name));
        Assert.Equal("relu1", plan.Nodes[0].Output);
        Assert.Equal("relu1", plan.Nodes[0].FusedRelu);
        Assert.Equal("relu2", plan.Nodes[2].Output);
        Assert.Null(plan.Nodes[1].FusedRelu); // conv2's output feeds the Add, not a Relu
        Assert.Equal(["image", "relu1", "conv2", "relu2", "flat", "fc"], plan.Tensors);
        Assert.True(plan.ReluTensors.SetEquals(["relu1", "relu2"]));
    }

    [Fact]
    public void Apply_WritesQdqPairsPerChannelInt8WeightsAndInt32Biases()
    {
        var prepared = GraphPreparation.Prepare(SmallCnn.Build(), out _);
        var q = Quantize(prepared, SmallCnn.Images(8));
        var g = q.Graph;
        var init = g.Initializer.ToDictionary(i => i.Name);
        var producer = g.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(x => x.o, x => x.n);

        Assert.DoesNotContain(g.Node, n => n.OpType == "Relu"); // both folded into their Q
        Assert.Equal(6, g.Node.Count(n => n.OpType == "QuantizeLinear"));
        foreach (var qn in g.Node.Where(n => n.OpType == "QuantizeLinear"))
        {
            var scale = init[qn.Input[1]];
            var zp = init[qn.Input[2]];
            Assert.True(scale.FloatData.Single() > 0);
            Assert.Equal((int)DataType.Uint8, zp.DataType);
            Assert.InRange(zp.Int32Data.Single(), 0, 255);
            // Each Q is read by exactly one DQ with the same parameters.
            var dq = Assert.Single(g.Node, n => n.Input.Contains(qn.Output[0]));
            Assert.Equal("DequantizeLinear", dq.OpType);
            Assert.Equal(qn.Input.Skip(1), dq.Input.Skip(1));
        }
        // Folded Relu tensors start at 0: zero point 0.
        var reluQ = g.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == "relu1");
        Assert.Equal(0, init[reluQ.Input[2]].Int32Data.Single());

        foreach (var (node, axis, channels) in new[] { ("conv1", 0, SmallCnn.Channels), ("conv2", 0, SmallCnn.Channels), ("fc", 0, SmallCnn.Classes) })
        {
            var n = g.Node.Single(x => x.Name == node);
            Assert.All(n.Input, i => Assert.Equal("DequantizeLinear", producer[i].OpType)); // every input: activation, weight, bias
            var wdq = producer[n.Input[1]];
            Assert.Equal(axis, wdq.Attribute.Single(a => a.Name == "axis").I);
            var w = init[wdq.Input[0]];
            Assert.Equal((int)DataType.Int8, w.DataType);
            var ws = OnnxProtoFloats(init[wdq.Input[1]]);
            Assert.Equal(channels, ws.Length);
            Assert.All(ws, s => Assert.True(s > 0));
            Assert.All(init[wdq.Input[2]].RawData.ToByteArray(), b => Assert.Equal(0, b)); // symmetric
            // Per channel, the largest |w| maps to ±127.
            var wq = w.RawData.ToByteArray().Select(b => (sbyte)b).ToArray();
            var per = wq.Length / channels;
            for (var c = 0; c < channels; c++) Assert.Equal(127, wq.Skip(c * per).Take(per).Max(v => Math.Abs((int)v)));
            var bdq = producer[n.Input[2]];
            Assert.Equal((int)DataType.Int32, init[bdq.Input[0]].DataType);
            // bias scale = input scale × weight scale
            var xScale = init[producer[n.Input[0]].Input[1]].FloatData.Single();
            var bs = OnnxProtoFloats(init[bdq.Input[1]]);
            for (var c = 0; c < channels; c++) Assert.Equal(xScale * ws[c], bs[c], 6);
        }
    }

    [Fact]
    public void Quantized_ComputesCloseToFloat_AndIsByteIdenticalAcrossRuns()
    {
        var prepared = GraphPreparation.Prepare(SmallCnn.Build(), out _);
        var images = SmallCnn.Images(16);
        var a = Quantize(prepared, images);
        var b = Quantize(prepared, images);
        Assert.Equal(a.ToByteArray(), b.ToByteArray());

        var agreement = FeatureAgreement.Compare(Run(prepared, images), Run(a, images), SmallCnn.Classes);
        Assert.True(agreement.MinCosine > 0.999, $"{agreement}");
        Assert.True(agreement.RelativeL2 is > 0 and < 0.03, $"{agreement}"); // rounded, so not identical
    }

    [Theory]
    [InlineData(CalibrationMethod.MinMax, ActivationType.UInt8)]
    [InlineData(CalibrationMethod.Percentile, ActivationType.UInt8)]
    [InlineData(CalibrationMethod.Entropy, ActivationType.UInt8)]
    [InlineData(CalibrationMethod.MinMax, ActivationType.Int8)]
    public void EveryMethodAndActivationType_RunsInOnnxRuntime_Close(CalibrationMethod method, ActivationType type)
    {
        var prepared = GraphPreparation.Prepare(SmallCnn.Build(), out _);
        var images = SmallCnn.Images(16);
        var q = Quantize(prepared, images, new QuantizationOptions { Method = method, Activations = type });
        var agreement = FeatureAgreement.Compare(Run(prepared, images), Run(q, images), SmallCnn.Classes);
        Assert.True(agreement.MeanCosine > 0.99, $"{method} {type}: {agreement}");
    }

    [Fact]
    public void OnnxRuntime_FusesTheQdqPatternIntoIntegerKernels()
    {
        using var dir = new TempDir("qdq-fuse");
        var prepared = GraphPreparation.Prepare(SmallCnn.Build(), out _);
        var q = Quantize(prepared, SmallCnn.Images(8));
        var optimized = dir.File("optimized.onnx");
        using (var so = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimized })
        using (new InferenceSession(q.ToByteArray(), so)) { }
        var ops = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(2, ops.Count(o => o == "QLinearConv"));
        Assert.DoesNotContain("Conv", ops); // no float convolution left
        Assert.Contains(ops, o => o is "QLinearAdd");
        Assert.Contains(ops, o => o is "QGemm");
    }

    [Fact]
    public void Exclude_LeavesThatNodeInFloat()
    {
        var prepared = GraphPreparation.Prepare(SmallCnn.Build(), out _);
        var options = new QuantizationOptions { Exclude = new HashSet<string> { "conv2" } };
        var plan = QdqQuantizer.Plan(prepared, options.Exclude);
        Assert.Equal(["conv2"], plan.FloatNodes);
        var q = Quantize(prepared, SmallCnn.Images(8), options);
        var conv2 = q.Graph.Node.Single(n => n.Name == "conv2");
        Assert.Equal("w2", conv2.Input[1]); // the float weight, not a DequantizeLinear output
    }

    [Fact]
    public void Plan_RefusesAModelWithNoConvMatMulOrGemm()
    {
        var prepared = GraphPreparation.Prepare(SmallCnn.Build(withConv: false), out _);
        var e = Assert.Throws<GraftException>(() => QdqQuantizer.Plan(prepared, None));
        Assert.Contains("no Conv, MatMul or Gemm", e.Message);
    }

    [Fact]
    public void Plan_RefusesAnAlreadyQuantizedModel()
    {
        var prepared = GraphPreparation.Prepare(SmallCnn.Build(), out _);
        var q = Quantize(prepared, SmallCnn.Images(4));
        var e = Assert.Throws<GraftException>(() => QdqQuantizer.Plan(GraphPreparation.Prepare(q, out _), None));
        Assert.Contains("already quantized", e.Message);
    }

    [Fact]
    public void Plan_RefusesAnExcludedNameThatIsNoNode()
    {
        var prepared = GraphPreparation.Prepare(SmallCnn.Build(), out _);
        var e = Assert.Throws<GraftException>(() => QdqQuantizer.Plan(prepared, new HashSet<string> { "conv9" }));
        Assert.Contains("conv9", e.Message);
    }

    [Fact]
    public void ActivationParameters_ReluRangeStartsAtZero_SignedRangeKeepsZeroExact()
    {
        var (s, zp) = QdqQuantizer.ActivationParameters(new TensorRange(0, 5.1f), relu: true, ActivationType.UInt8);
        Assert.Equal(5.1f / 255, s, 6);
        Assert.Equal(0, zp);
        (s, zp) = QdqQuantizer.ActivationParameters(new TensorRange(-1f, 3f), relu: false, ActivationType.UInt8);
        Assert.Equal(4f / 255, s, 6);
        Assert.Equal(64, zp); // 0 maps to 63.75 → 64
        (_, zp) = QdqQuantizer.ActivationParameters(new TensorRange(0, 2f), relu: true, ActivationType.Int8);
        Assert.Equal(-128, zp);
    }

    [Fact]
    public void PercentileAndEntropy_ClipALongSparseTail()
    {
        var hist = new long[2048];
        for (var i = 0; i < 200; i++) hist[i] = 10_000 - i * 40; // the bulk
        hist[2047] = 1; // one outlier
        var (low, high) = ActivationCalibrator.PercentileBins(hist, 99.99);
        Assert.Equal(0, low);
        Assert.InRange(high, 150, 260);
        var t = ActivationCalibrator.EntropyThreshold(hist, 128);
        Assert.InRange(t, 128, 600);
        // A uniform histogram has nothing worth clipping.
        Assert.Equal(2048, ActivationCalibrator.EntropyThreshold(Enumerable.Repeat(100L, 2048).ToArray(), 128), 0);
    }

    private static float[] OnnxProtoFloats(TensorProto t) => Graft.FeatureCache.Onnx.OnnxProto.ReadFloats(t);
}

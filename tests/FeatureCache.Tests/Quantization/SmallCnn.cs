using Graft.FeatureCache.Onnx;
using Graft.FeatureCache.Onnx.Quantization;
using Onnx;

namespace Graft.FeatureCache.Tests.Quantization;

/// <summary>
/// A small CNN built in code with every pattern the quantizer handles, exported the way old converters do (opset 8,
/// IR 3, initializers repeated as graph inputs): Conv → BatchNormalization → Relu → Conv, a residual Add → Relu,
/// GlobalAveragePool → Flatten → Gemm(transB=1). Seeded: one seed, one model.
/// </summary>
internal static class SmallCnn
{
    public const int Size = 8, Channels = 4, Classes = 5;

    public static ModelProto Build(int seed = 1, bool withConv = true)
    {
        var rng = new Random(seed);
        float[] R(int n, double scale, double offset = 0) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale + offset)).ToArray();
        var g = new GraphProto { Name = "small" };
        void Init(string name, long[] dims, float[] v)
        {
            g.Initializer.Add(OnnxProto.FloatTensor(name, dims, v));
            g.Input.Add(OnnxProto.FloatValue(name, dims.Select(d => (long?)d).ToArray()));
        }
        g.Input.Add(OnnxProto.FloatValue("image", null, 3, Size, Size));
        if (!withConv)
        {
            g.Node.Add(OnnxProto.Node("Relu", "relu_only", ["image"]));
            g.Output.Add(OnnxProto.FloatValue("relu_only", null, 3, Size, Size));
            return Wrap(g);
        }
        var pads = OnnxProto.Ints("pads", 1, 1, 1, 1);
        var kernel = OnnxProto.Ints("kernel_shape", 3, 3);
        Init("w1", [Channels, 3, 3, 3], R(Channels * 27, 0.4));
        Init("b1", [Channels], R(Channels, 0.1));
        Init("gamma", [Channels], R(Channels, 0.3, 1));
        Init("beta", [Channels], R(Channels, 0.2));
        Init("mean", [Channels], R(Channels, 0.3));
        Init("var", [Channels], R(Channels, 0.3, 1));
        Init("w2", [Channels, Channels, 3, 3], R(Channels * Channels * 9, 0.3));
        Init("b2", [Channels], R(Channels, 0.1));
        Init("fc_w", [Classes, Channels], R(Classes * Channels, 0.5));
        Init("fc_b", [Classes], R(Classes, 0.1));
        g.Node.Add(OnnxProto.Node("Conv", "conv1", ["image", "w1", "b1"], kernel, pads));
        var bn = OnnxProto.Node("BatchNormalization", "bn1", ["conv1", "gamma", "beta", "mean", "var"], OnnxProto.Float("epsilon", 1e-3f));
        bn.Attribute.Add(OnnxProto.Int("spatial", 1)); // opset-8 attribute, dropped when the opset is raised
        g.Node.Add(bn);
        g.Node.Add(OnnxProto.Node("Relu", "relu1", ["bn1"]));
        g.Node.Add(OnnxProto.Node("Conv", "conv2", ["relu1", "w2", "b2"], kernel, pads));
        g.Node.Add(OnnxProto.Node("Add", "residual", ["conv2", "relu1"]));
        g.Node.Add(OnnxProto.Node("Relu", "relu2", ["residual"]));
        g.Node.Add(OnnxProto.Node("GlobalAveragePool", "pool", ["relu2"]));
        g.Node.Add(OnnxProto.Node("Flatten", "flat", ["pool"], OnnxProto.Int("axis", 1)));
        g.Node.Add(OnnxProto.Node("Gemm", "fc", ["flat", "fc_w", "fc_b"], OnnxProto.Int("transB", 1)));
        g.Output.Add(OnnxProto.FloatValue("fc", null, Classes));
        return Wrap(g);
    }

    private static ModelProto Wrap(GraphProto g)
    {
        var model = new ModelProto { IrVersion = 3, ProducerName = "graft-tests", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 8 });
        return model;
    }

    /// <summary>Seeded images in [0, 1) with a per-image brightness, as calibration input.</summary>
    public static CalibrationImages Images(int count, int seed = 7)
    {
        var rng = new Random(seed);
        var data = new float[count * 3 * Size * Size];
        for (var i = 0; i < count; i++)
        {
            var gain = (float)(0.5 + rng.NextDouble());
            for (var k = 0; k < 3 * Size * Size; k++) data[i * 3 * Size * Size + k] = (float)rng.NextDouble() * gain;
        }
        return new CalibrationImages("image", [3, Size, Size], data, count);
    }
}

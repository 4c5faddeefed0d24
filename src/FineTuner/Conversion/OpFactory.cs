using Graft.FineTuner.Conversion.Ops;
using Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion;

/// <summary>
/// Compiles ONNX nodes into <see cref="OnnxOp"/>s. Covers the operators of CNN backbones: ResNet18-CNTK, torchvision
/// exports (MobileNetV2, GoogLeNet, ResNet, …), Keras NASNet. Anything else fails with a <see cref="GraftException"/>
/// naming the operator and the node.
/// </summary>
internal static class OpFactory
{
    /// <summary>The operator types the converter runs, for documentation and error hints.</summary>
    public static IReadOnlyList<string> SupportedOps { get; } =
    [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "Div", "Dropout", "Flatten",
        "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid", "HardSwish", "Identity", "LeakyRelu",
        "LogSoftmax", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mul", "Pad", "ReduceMax", "ReduceMean", "ReduceSum", "Relu",
        "Reshape", "Shape", "Sigmoid", "Slice", "Softmax", "Squeeze", "Sub", "Sum", "Tanh", "Transpose", "Unsqueeze",
    ];

    /// <summary>Input slots that carry shapes, axes, bounds or ratios rather than weights: float initializers there
    /// become constant buffers, never trainable Parameters.</summary>
    public static bool IsConstantSlot(string opType, int inputIndex) => opType switch
    {
        "Clip" or "Pad" or "Dropout" or "Reshape" or "Squeeze" or "Unsqueeze" or "Slice" or "ReduceMean" or "ReduceSum" or "ReduceMax" => inputIndex >= 1,
        "BatchNormalization" => inputIndex >= 3, // running mean and variance: buffers
        "Gather" or "Shape" or "Cast" => true,
        _ => false,
    };

    public static OnnxOp Create(NodeProto node, int opset)
    {
        var a = new NodeAttributes(node);
        return node.OpType switch
        {
            "Conv" => new ConvOp(a),
            "BatchNormalization" => new BatchNormOp(a),
            "MaxPool" => new MaxPoolOp(a),
            "AveragePool" => new AveragePoolOp(a),
            "GlobalAveragePool" => new GlobalPoolOp(a, max: false),
            "GlobalMaxPool" => new GlobalPoolOp(a, max: true),
            "Gemm" => new GemmOp(a),
            "Clip" => new ClipOp(a),
            "Dropout" => new DropoutOp(a),
            "Softmax" => new SoftmaxOp(a, opset, log: false),
            "LogSoftmax" => new SoftmaxOp(a, opset, log: true),
            "ReduceMean" or "ReduceSum" or "ReduceMax" => new ReduceOp(a),
            "Reshape" => new ReshapeOp(a),
            "Flatten" => new FlattenOp(a),
            "Squeeze" => new SqueezeOp(a, unsqueeze: false),
            "Unsqueeze" => new SqueezeOp(a, unsqueeze: true),
            "Transpose" => new TransposeOp(a),
            "Concat" => new ConcatOp(a),
            "Slice" => new SliceOp(a),
            "Pad" => new PadOp(a),
            "Shape" => new ShapeOp(a),
            "Gather" => new GatherOp(a),
            "Constant" => new ConstantOp(a),
            "Cast" => new CastOp(a),
            "Relu" => Unary(node, x => x.relu()),
            "Sigmoid" => Unary(node, x => x.sigmoid()),
            "Tanh" => Unary(node, x => x.tanh()),
            "Identity" => Unary(node, x => x.alias()),
            "LeakyRelu" => Unary(node, x => F.leaky_relu(x, a.Float("alpha", 0.01f))),
            "HardSigmoid" => HardSigmoid(node, a.Float("alpha", 0.2f), a.Float("beta", 0.5f)),
            "HardSwish" => Unary(node, x => F.hardswish(x)),
            "Add" => Binary(node, (x, y) => x.add(y)),
            "Sub" => Binary(node, (x, y) => x.sub(y)),
            "Mul" => Binary(node, (x, y) => x.mul(y)),
            "Div" => Binary(node, (x, y) => x.div(y)),
            "MatMul" => Binary(node, (x, y) => x.matmul(y)),
            "Sum" => Variadic(node, (x, y) => x.add(y)),
            "Max" => Variadic(node, (x, y) => x.maximum(y)),
            "Min" => Variadic(node, (x, y) => x.minimum(y)),
            "Mean" => new FuncOp(node, (inputs, _) =>
            {
                using var sum = Fold(inputs, (x, y) => x.add(y));
                return sum.div(inputs.Count(i => i is not null));
            }),
            _ => throw new GraftException(
                $"{OnnxOp.DescribeNode(node)}: the operator '{node.OpType}' is not supported by the fine-tuner's ONNX converter.",
                $"Supported operators: {string.Join(", ", SupportedOps)}."),
        };
    }

    private static FuncOp Unary(NodeProto node, Func<Tensor, Tensor> f) =>
        new(node, (inputs, _) => f(inputs[0] ?? throw new GraftException($"{OnnxOp.DescribeNode(node)}: input 0 is missing.")));

    private static FuncOp Binary(NodeProto node, Func<Tensor, Tensor, Tensor> f) =>
        new(node, (inputs, _) => inputs.Length >= 2 && inputs[0] is { } x && inputs[1] is { } y
            ? f(x, y)
            : throw new GraftException($"{OnnxOp.DescribeNode(node)}: needs two inputs."));

    private static FuncOp Variadic(NodeProto node, Func<Tensor, Tensor, Tensor> f) => new(node, (inputs, _) => Fold(inputs, f));

    private static FuncOp HardSigmoid(NodeProto node, float alpha, float beta) => new(node, (inputs, _) =>
    {
        using var scaled = inputs[0]!.mul(alpha);
        using var shifted = scaled.add(beta);
        return shifted.clamp(0f, 1f);
    });

    /// <summary>Left fold of the present inputs; a single input is returned as a new handle.</summary>
    private static Tensor Fold(Tensor?[] inputs, Func<Tensor, Tensor, Tensor> f)
    {
        var present = inputs.OfType<Tensor>().ToArray();
        var acc = present[0].alias();
        foreach (var next in present.Skip(1))
        {
            var combined = f(acc, next);
            acc.Dispose();
            acc = combined;
        }
        return acc;
    }
}

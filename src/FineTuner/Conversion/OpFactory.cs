using Graft.FineTuner.Conversion.Ops;
using Onnx;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion;

/// <summary>
/// Compiles ONNX nodes into <see cref="OnnxOp"/>s through one registry (operator type → builder), the single source of
/// <see cref="SupportedOps"/>. Covers CNN and transformer backbones: ResNet18-CNTK, torchvision exports (MobileNet,
/// EfficientNet, RegNet, DenseNet, ConvNeXt, ViT, Swin, …), Keras NASNet. A model with operators outside the registry
/// fails at load with one <see cref="GraftException"/> naming all of them (<see cref="CheckSupported"/>).
/// </summary>
internal static class OpFactory
{
    private delegate OnnxOp Builder(NodeAttributes a, int opset);

    /// <summary>Operator type → builder, grouped by the file under Ops/ that implements the family.</summary>
    private static readonly Dictionary<string, Builder> Registry = new(StringComparer.Ordinal)
    {
        // Convolution, pooling, dense (ConvOp, ConvTransposeOp, PoolOps, GemmOp)
        ["Conv"] = (a, _) => new ConvOp(a),
        ["ConvTranspose"] = (a, _) => new ConvTransposeOp(a),
        ["MaxPool"] = (a, _) => new MaxPoolOp(a),
        ["AveragePool"] = (a, _) => new AveragePoolOp(a),
        ["GlobalAveragePool"] = (a, _) => new GlobalPoolOp(a, max: false),
        ["GlobalMaxPool"] = (a, _) => new GlobalPoolOp(a, max: true),
        ["Gemm"] = (a, _) => new GemmOp(a),
        ["MatMul"] = (a, _) => ElementwiseOps.MatMul(a),
        // Normalisation (BatchNormOp, NormalizationOps)
        ["BatchNormalization"] = (a, _) => new BatchNormOp(a),
        ["LayerNormalization"] = (a, _) => new LayerNormOp(a),
        ["InstanceNormalization"] = (a, _) => new InstanceNormOp(a),
        ["GroupNormalization"] = (a, opset) => new GroupNormOp(a, opset),
        ["LRN"] = (a, _) => new LrnOp(a),
        ["MeanVarianceNormalization"] = (a, _) => new MeanVarianceNormOp(a),
        // Activations (ActivationOps, ClipOp, SoftmaxOp, DropoutOp)
        ["Relu"] = (a, _) => ActivationOps.Relu(a),
        ["Sigmoid"] = (a, _) => ActivationOps.Sigmoid(a),
        ["Tanh"] = (a, _) => ActivationOps.Tanh(a),
        ["LeakyRelu"] = (a, _) => ActivationOps.LeakyRelu(a),
        ["HardSigmoid"] = (a, _) => ActivationOps.HardSigmoid(a),
        ["HardSwish"] = (a, _) => ActivationOps.HardSwish(a),
        ["Elu"] = (a, _) => ActivationOps.Elu(a),
        ["Selu"] = (a, _) => ActivationOps.Selu(a),
        ["Softplus"] = (a, _) => ActivationOps.Softplus(a),
        ["Softsign"] = (a, _) => ActivationOps.Softsign(a),
        ["Gelu"] = (a, _) => ActivationOps.Gelu(a),
        ["PRelu"] = (a, opset) => ActivationOps.PRelu(a, opset),
        ["Celu"] = (a, _) => ActivationOps.Celu(a),
        ["ThresholdedRelu"] = (a, _) => ActivationOps.ThresholdedRelu(a),
        ["Shrink"] = (a, _) => ActivationOps.Shrink(a),
        ["Clip"] = (a, _) => new ClipOp(a),
        ["Softmax"] = (a, opset) => new SoftmaxOp(a, opset, log: false),
        ["LogSoftmax"] = (a, opset) => new SoftmaxOp(a, opset, log: true),
        ["Dropout"] = (a, _) => new DropoutOp(a),
        ["Hardmax"] = (a, opset) => new HardmaxOp(a, opset),
        // Element-wise arithmetic, math, comparison and logic (ElementwiseOps)
        ["Add"] = (a, _) => ElementwiseOps.Binary(a, (x, y) => x.add(y)),
        ["Sub"] = (a, _) => ElementwiseOps.Binary(a, (x, y) => x.sub(y)),
        ["Mul"] = (a, _) => ElementwiseOps.Binary(a, (x, y) => x.mul(y)),
        ["Div"] = (a, _) => ElementwiseOps.Div(a),
        ["Pow"] = (a, _) => ElementwiseOps.Pow(a),
        ["Sum"] = (a, _) => ElementwiseOps.Variadic(a, (x, y) => x.add(y)),
        ["Max"] = (a, _) => ElementwiseOps.Variadic(a, (x, y) => x.maximum(y)),
        ["Min"] = (a, _) => ElementwiseOps.Variadic(a, (x, y) => x.minimum(y)),
        ["Mean"] = (a, _) => ElementwiseOps.Mean(a),
        ["Identity"] = (a, _) => ElementwiseOps.Unary(a, x => x.alias()),
        ["If"] = (a, opset) => new IfOp(a, opset), // control flow (IfOp): torch's conditional squeeze
        ["Neg"] = (a, _) => ElementwiseOps.Unary(a, x => x.neg()),
        ["Abs"] = (a, _) => ElementwiseOps.Unary(a, x => x.abs()),
        ["Exp"] = (a, _) => ElementwiseOps.Unary(a, x => x.exp()),
        ["Log"] = (a, _) => ElementwiseOps.Unary(a, x => x.log()),
        ["Sqrt"] = (a, _) => ElementwiseOps.Unary(a, x => x.sqrt()),
        ["Reciprocal"] = (a, _) => ElementwiseOps.Unary(a, x => x.reciprocal()),
        ["Erf"] = (a, _) => ElementwiseOps.Unary(a, x => x.erf()),
        ["Floor"] = (a, _) => ElementwiseOps.Unary(a, x => x.floor()),
        ["Ceil"] = (a, _) => ElementwiseOps.Unary(a, x => x.ceil()),
        ["Round"] = (a, _) => ElementwiseOps.Unary(a, x => x.round()), // half to even, as ONNX
        ["Sign"] = (a, _) => ElementwiseOps.Unary(a, x => x.sign()),
        ["Sin"] = (a, _) => ElementwiseOps.Unary(a, x => x.sin()),
        ["Cos"] = (a, _) => ElementwiseOps.Unary(a, x => x.cos()),
        ["Tan"] = (a, _) => ElementwiseOps.Unary(a, x => x.tan()),
        ["Asin"] = (a, _) => ElementwiseOps.Unary(a, x => x.asin()),
        ["Acos"] = (a, _) => ElementwiseOps.Unary(a, x => x.acos()),
        ["Atan"] = (a, _) => ElementwiseOps.Unary(a, x => x.atan()),
        ["Sinh"] = (a, _) => ElementwiseOps.Unary(a, x => x.sinh()),
        ["Cosh"] = (a, _) => ElementwiseOps.Unary(a, x => x.cosh()),
        ["Asinh"] = (a, _) => ElementwiseOps.Unary(a, x => x.asinh()),
        ["Acosh"] = (a, _) => ElementwiseOps.Unary(a, x => x.acosh()),
        ["Atanh"] = (a, _) => ElementwiseOps.Unary(a, x => x.atanh()),
        ["IsNaN"] = (a, _) => ElementwiseOps.Unary(a, x => x.isnan()),
        ["IsInf"] = (a, _) => ElementwiseOps.IsInf(a),
        ["Equal"] = (a, _) => ElementwiseOps.Compare(a, (x, y) => x.eq(y)),
        ["Less"] = (a, _) => ElementwiseOps.Compare(a, (x, y) => x.lt(y)),
        ["LessOrEqual"] = (a, _) => ElementwiseOps.Compare(a, (x, y) => x.le(y)),
        ["Greater"] = (a, _) => ElementwiseOps.Compare(a, (x, y) => x.gt(y)),
        ["GreaterOrEqual"] = (a, _) => ElementwiseOps.Compare(a, (x, y) => x.ge(y)),
        ["Not"] = (a, _) => ElementwiseOps.Not(a),
        ["And"] = (a, _) => ElementwiseOps.Logical(a, (x, y) => x.logical_and(y)),
        ["Or"] = (a, _) => ElementwiseOps.Logical(a, (x, y) => x.logical_or(y)),
        ["Xor"] = (a, _) => ElementwiseOps.Logical(a, (x, y) => x.logical_xor(y)),
        ["Where"] = (a, _) => ElementwiseOps.Where(a),
        ["Mod"] = (a, _) => ElementwiseOps.Mod(a),
        // Reductions (ReduceOp)
        ["ReduceMean"] = (a, opset) => new ReduceOp(a, opset),
        ["ReduceSum"] = (a, opset) => new ReduceOp(a, opset),
        ["ReduceMax"] = (a, opset) => new ReduceOp(a, opset),
        ["ReduceMin"] = (a, opset) => new ReduceOp(a, opset),
        ["ReduceProd"] = (a, opset) => new ReduceOp(a, opset),
        ["ReduceL1"] = (a, opset) => new ReduceOp(a, opset),
        ["ReduceL2"] = (a, opset) => new ReduceOp(a, opset),
        ["ReduceSumSquare"] = (a, opset) => new ReduceOp(a, opset),
        ["ReduceLogSum"] = (a, opset) => new ReduceOp(a, opset),
        ["ReduceLogSumExp"] = (a, opset) => new ReduceOp(a, opset),
        // Shape and data movement (ShapeOps, SliceOp, PadOp, SplitOp, ExpandOp, ScatterOps, RearrangeOps, ResizeOp, GeneratorOps)
        ["Reshape"] = (a, _) => new ReshapeOp(a),
        ["Flatten"] = (a, _) => new FlattenOp(a),
        ["Squeeze"] = (a, _) => new SqueezeOp(a, unsqueeze: false),
        ["Unsqueeze"] = (a, _) => new SqueezeOp(a, unsqueeze: true),
        ["Transpose"] = (a, _) => new TransposeOp(a),
        ["Concat"] = (a, _) => new ConcatOp(a),
        ["Split"] = (a, opset) => new SplitOp(a, opset),
        ["Slice"] = (a, _) => new SliceOp(a),
        ["Pad"] = (a, _) => new PadOp(a),
        ["Expand"] = (a, _) => new ExpandOp(a),
        ["Shape"] = (a, _) => new ShapeOp(a),
        ["Gather"] = (a, _) => new GatherOp(a),
        ["ScatterND"] = (a, _) => new ScatterNdOp(a),
        ["Tile"] = (a, _) => new TileOp(a),
        ["DepthToSpace"] = (a, _) => new DepthToSpaceOp(a, toSpace: true),
        ["SpaceToDepth"] = (a, _) => new DepthToSpaceOp(a, toSpace: false),
        ["ArgMax"] = (a, _) => new ArgExtremeOp(a, max: true),
        ["ArgMin"] = (a, _) => new ArgExtremeOp(a, max: false),
        ["Size"] = (a, _) => new FuncOp(a.Node, (inputs, _) => tensor(inputs[0]!.numel())),
        ["Cast"] = (a, _) => new CastOp(a),
        ["Resize"] = (a, opset) => new ResizeOp(a, opset),
        ["Upsample"] = (a, opset) => new ResizeOp(a, opset),
        ["GridSample"] = (a, _) => new GridSampleOp(a),
        ["Constant"] = (a, _) => new ConstantOp(a),
        ["ConstantOfShape"] = (a, _) => new ConstantOfShapeOp(a),
        ["Range"] = (a, _) => new RangeOp(a),
        ["HannWindow"] = (a, _) => new WindowOp(a),
        ["HammingWindow"] = (a, _) => new WindowOp(a),
        ["BlackmanWindow"] = (a, _) => new WindowOp(a),
        ["CastLike"] = (a, _) => new CastLikeOp(a),
        ["EyeLike"] = (a, _) => new EyeLikeOp(a),
        // Indexing and matrix structure (IndexingOps, MatrixOps)
        ["GatherElements"] = (a, _) => new GatherElementsOp(a),
        ["GatherND"] = (a, _) => new GatherNdOp(a),
        ["ScatterElements"] = (a, _) => new ScatterElementsOp(a),
        ["Scatter"] = (a, _) => new ScatterElementsOp(a), // opset 9–10 name of ScatterElements
        ["OneHot"] = (a, _) => new OneHotOp(a),
        ["NonZero"] = (a, _) => new NonZeroOp(a),
        ["TopK"] = (a, opset) => new TopKOp(a, opset),
        ["Trilu"] = (a, _) => new TriluOp(a),
        ["CumSum"] = (a, _) => new CumSumOp(a),
        ["Einsum"] = (a, _) => new EinsumOp(a),
        ["Det"] = (a, _) => new DetOp(a),
        ["Compress"] = (a, _) => new CompressOp(a),
        ["ReverseSequence"] = (a, _) => new ReverseSequenceOp(a),
        ["NonMaxSuppression"] = (a, _) => new NonMaxSuppressionOp(a),
        // Losses exported inside a graph (LossOps)
        ["NegativeLogLikelihoodLoss"] = (a, _) => new NllLossOp(a, softmax: false),
        ["SoftmaxCrossEntropyLoss"] = (a, _) => new NllLossOp(a, softmax: true),
    };

    /// <summary>The operator types the converter runs (sorted), for documentation and error hints.</summary>
    public static IReadOnlyList<string> SupportedOps { get; } = Registry.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Input slots that carry shapes, axes, bounds, ratios, exponents or masks rather than weights: float
    /// initializers there become constant buffers, never trainable Parameters (ScatterND and Where build masks).</summary>
    public static bool IsConstantSlot(string opType, int inputIndex) => opType switch
    {
        "Clip" or "Pad" or "Dropout" or "Reshape" or "Squeeze" or "Unsqueeze" or "Slice" or "Split" or "Expand" or "Pow"
            or "Resize" or "Upsample" or "ConstantOfShape" or "Range" or "Tile" or "CastLike" or "OneHot" or "TopK" or "Trilu"
            or "CumSum" or "GatherElements" or "GatherND" or "Compress" or "ReverseSequence"
            or "NegativeLogLikelihoodLoss" or "SoftmaxCrossEntropyLoss" => inputIndex >= 1, // targets and class weights
        "ScatterElements" or "Scatter" => inputIndex == 1, // data and updates may learn; indices never
        "EyeLike" or "NonZero" or "Hardmax" or "NonMaxSuppression" => true, // outputs carry no gradient to their input
        _ when opType.StartsWith("Reduce", StringComparison.Ordinal) => inputIndex >= 1,
        "BatchNormalization" => inputIndex >= 3, // running mean and variance: buffers
        "Gather" => inputIndex >= 1, // the data of a float Gather is a table that learns (Swin's relative position bias)
        "ScatterND" or "Shape" or "Cast" or "Where" or "Mod" or "Equal" or "Less" or "LessOrEqual" or "Greater"
            or "GreaterOrEqual" or "Not" or "And" or "Or" or "Xor" => true,
        _ => false,
    };

    /// <summary>Fails with one <see cref="GraftException"/> naming every operator type of <paramref name="nodes"/> the
    /// converter does not run — with how many nodes use it and the first of them — and the supported list.</summary>
    public static void CheckSupported(IEnumerable<NodeProto> nodes)
    {
        var missing = IfOp.WithSubgraphNodes(nodes).Where(n => !Registry.ContainsKey(n.OpType))
            .GroupBy(n => n.OpType, StringComparer.Ordinal)
            .Select(g => $"'{g.Key}' ×{g.Count()} (first: {OnnxOp.DescribeNode(g.First())})")
            .ToList();
        if (missing.Count == 0) return;
        var noun = missing.Count == 1 ? "operator" : $"{missing.Count} operators";
        throw new GraftException(
            $"The model uses {noun} the fine-tuner's ONNX converter does not support: {string.Join("; ", missing)}.",
            $"Supported operators: {string.Join(", ", SupportedOps)}.");
    }

    /// <summary>Compiles one node. Attribute errors and unsupported modes throw a <see cref="GraftException"/> naming
    /// the node; so does any other failure while reading the node (never a raw exception).</summary>
    public static OnnxOp Create(NodeProto node, int opset)
    {
        if (!Registry.TryGetValue(node.OpType, out var build))
            throw new GraftException(
                $"{OnnxOp.DescribeNode(node)}: the operator '{node.OpType}' is not supported by the fine-tuner's ONNX converter.",
                $"Supported operators: {string.Join(", ", SupportedOps)}.");
        try
        {
            return build(new NodeAttributes(node), opset);
        }
        catch (Exception e) when (e is not GraftException)
        {
            throw OnnxOp.Failure(node, e);
        }
    }
}

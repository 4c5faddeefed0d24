using Graft.FineTuner.Conversion;
using Graft.FineTuner.Tests.Fixtures;
using Onnx;
using static Graft.FineTuner.Tests.Fixtures.GraphBuilder;

namespace Graft.FineTuner.Tests.Conversion;

/// <summary>ONNX If as torch.onnx writes it for <c>x.squeeze(2)</c> when it cannot prove the size at export (opset ≥ 11):
/// Shape → Gather → Equal(1) → If(then: Squeeze, else: Identity), the branches reading the enclosing graph's values.</summary>
public sealed class ControlFlowParityTests
{
    private static ModelProto ConditionalSqueeze(long height)
    {
        var g = new GraphBuilder(opset: 13);
        var x = g.Input("x", 3, height, 5);
        var conv = g.Node("Conv", [x, g.Weight("w", [4, 3, 1, 1])], Ints("kernel_shape", 1, 1));
        var shape = g.Node("Shape", [conv]);
        var size = g.Node("Gather", [shape, g.Longs("two", 2)], Int("axis", 0));
        var isOne = g.Node("Equal", [size, g.Longs("one", 1)]);
        var scalar = g.Node("Squeeze", [isOne]);
        // The then-branch also reads an outer initializer (a scale), as a branch may read any value of the graph.
        var then = Branch("then", new NodeProto { OpType = "Squeeze", Name = "then_squeeze", Input = { conv, "then_axes" }, Output = { "squeezed" } },
            new NodeProto { OpType = "Mul", Name = "then_scale", Input = { "squeezed", g.Floats("scale", [1], [1.5f]) }, Output = { "then_out" } });
        then.Node.Insert(0, new NodeProto
        {
            OpType = "Constant", Name = "then_axes_const", Output = { "then_axes" },
            Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = LongTensor(2) } },
        });
        var otherwise = Branch("else", new NodeProto { OpType = "Identity", Name = "else_identity", Input = { conv }, Output = { "else_out" } });
        var result = g.Node("If", [scalar],
            new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = then },
            new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = otherwise });
        var relu = g.Node("Relu", [result]);
        var model = g.Output(relu).Build();
        // As torch exports it: the height is unknown until run time (ONNX Runtime would refuse the then-branch for H = 3).
        model.Graph.Input[0].Type.TensorType.Shape.Dim[2] = new TensorShapeProto.Types.Dimension { DimParam = "H" };
        return model;
    }

    private static GraphProto Branch(string name, params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = name };
        graph.Node.AddRange(nodes);
        graph.Output.Add(new ValueInfoProto { Name = nodes[^1].Output[0], Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        return graph;
    }

    private static TensorProto LongTensor(long value)
    {
        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(1);
        t.Int64Data.Add(value);
        return t;
    }

    [Theory]
    [InlineData(1)] // the then-branch: squeezed to [N, 4, 5] and scaled
    [InlineData(3)] // the else-branch: [N, 4, 3, 5] unchanged
    public void Forward_TorchConditionalSqueeze_MatchesOnnxRuntimeAndTrains(long height)
    {
        var model = ConditionalSqueeze(height);
        Parity.Check(model, [2, 3, height, 5]);
        Assert.Equal(["w"], Parity.Backward(model, [2, 3, height, 5]));
    }

    [Fact]
    public void Create_UnsupportedOperatorInsideABranch_IsNamedAtLoad()
    {
        var model = ConditionalSqueeze(1);
        var then = model.Graph.Node.Single(n => n.OpType == "If").Attribute.Single(a => a.Name == "then_branch").G;
        then.Node[^1].OpType = "RoiAlign";
        var e = Assert.Throws<GraftException>(() => OnnxGraphModule.Create(OnnxModelFile.FromModel(model)));
        Assert.Contains("'RoiAlign'", e.Message);
        Assert.Contains("then_scale", e.Message);
    }
}

using Graft.FineTuner.Conversion;
using Graft.FineTuner.Tests.Conversion;
using Graft.FineTuner.Training;
using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Tests.Training;

public sealed class OrtPrefixTests
{
    [Fact]
    public void Run_Resnet18LastStageBoundary_MatchesTheTorchSharpModule()
    {
        const string boundary = "ReLU347_Output_0";
        var file = OnnxModelFile.Load(Resnet18ConversionTests.ModelPath);
        using var module = OnnxGraphModule.Create(file, null, null);
        module.eval();
        var rng = new Random(7);
        var data = Enumerable.Range(0, 3 * 3 * 224 * 224).Select(_ => (float)(rng.NextDouble() * 240 - 120)).ToArray();
        long[] shape = [3, 3, 224, 224];

        using var prefix = OrtPrefix.Create(module, [boundary], 2);
        var (ortShape, ort) = prefix.Run(data, shape).Single();

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var expected = module.Run(new Dictionary<string, Tensor> { [module.InputName] = tensor(data, shape) }, [boundary]).Single();
        Assert.Equal(expected.shape[1..], ortShape);
        var reference = expected.data<float>().ToArray();
        Assert.Equal(reference.Length, ort.Length);
        var scale = reference.Max(Math.Abs);
        var maxDiff = reference.Zip(ort, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(scale > 1, $"scale {scale}");
        Assert.True(maxDiff <= 1e-4 * scale, $"max |ORT − TorchSharp| = {maxDiff} at scale {scale}");
    }

    [Fact]
    public void Cut_KeepsOnlyWhatTheBoundaryNeedsAndMakesTheBatchSymbolic()
    {
        var file = OnnxModelFile.Load(Resnet18ConversionTests.ModelPath);
        using var module = OnnxGraphModule.Create(file, null, null);
        var model = file.Model.Clone();
        var all = model.Graph.Node.Count;
        var input = module.InputName;

        OrtPrefix.Cut(model.Graph, input, ["ReLU347_Output_0"], module.NodesComputing([input], ["ReLU347_Output_0"]));

        Assert.InRange(model.Graph.Node.Count, 10, all - 10);
        Assert.DoesNotContain(model.Graph.Node, n => n.Output.Contains("Pooling395_Output_0"));
        Assert.Equal(["ReLU347_Output_0"], model.Graph.Output.Select(o => o.Name));
        Assert.Equal("batch", model.Graph.Input.Single(i => i.Name == input).Type.TensorType.Shape.Dim[0].DimParam);
        var read = model.Graph.Node.SelectMany(n => n.Input).ToHashSet();
        Assert.All(model.Graph.Initializer, t => Assert.Contains(t.Name, read));
    }
}

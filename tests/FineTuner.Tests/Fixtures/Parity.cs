using Graft.FineTuner.Conversion;
using Onnx;
using TorchSharp;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Fixtures;

/// <summary>Runs a model through the converter (eval mode) and through ONNX Runtime on the same seeded input and
/// checks the criterion: max |diff| ≤ 1e-4 × the output's scale (max |value|, at least 1).</summary>
public static class Parity
{
    public static (double MaxDiff, double Scale) Check(ModelProto model, long[] inputShape, int seed = 7, string? input = null,
        string? output = null, double relativeTolerance = 1e-4, float inputScale = 1f)
    {
        var file = OnnxModelFile.FromModel(model);
        using var module = OnnxGraphModule.Create(file, input, output);
        module.eval();
        var rng = new Random(seed);
        var count = inputShape.Aggregate(1L, (a, b) => a * b);
        var data = new float[count];
        for (var i = 0; i < count; i++) data[i] = ((float)rng.NextDouble() * 2 - 1) * inputScale;

        float[] mine;
        long[] myShape;
        using (torch.no_grad())
        using (var x = torch.tensor(data, inputShape))
        using (var y = module.forward(x))
        {
            mine = y.contiguous().data<float>().ToArray();
            myShape = y.shape;
        }
        var (theirs, theirShape) = OrtReference.Run(model, module.InputName, data, inputShape, module.OutputName);
        Assert.Equal(theirShape, myShape);
        var scale = Math.Max(1.0, theirs.Max(v => Math.Abs((double)v)));
        var maxDiff = mine.Zip(theirs, (a, b) => Math.Abs((double)a - b)).DefaultIfEmpty(0).Max();
        Assert.True(maxDiff <= relativeTolerance * scale, $"max |diff| {maxDiff:g4} exceeds {relativeTolerance:g2} × scale {scale:g4}");
        return (maxDiff, scale);
    }

    /// <summary>One training-mode forward and backward (every node trainable) of a random-weighted loss: asserts that
    /// every Parameter of the module receives a non-zero gradient, and returns their names.</summary>
    public static IReadOnlyList<string> Backward(ModelProto model, long[] inputShape, int seed = 11)
    {
        var file = OnnxModelFile.FromModel(model);
        using var module = OnnxGraphModule.Create(file);
        module.train();
        module.SetTrainableNodes(Enumerable.Repeat(true, module.Nodes.Count).ToArray());
        var rng = new Random(seed);
        var count = inputShape.Aggregate(1L, (a, b) => a * b);
        var data = Enumerable.Range(0, (int)count).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        using (var x = torch.tensor(data, inputShape))
        using (var y = module.forward(x))
        using (var w = torch.rand_like(y))
        using (var weighted = y.mul(w))
        using (var loss = weighted.sum())
            loss.backward();
        Assert.NotEmpty(module.ParameterInitializers);
        foreach (var name in module.ParameterInitializers)
        {
            var grad = module.Weight(name).grad;
            Assert.True(grad is not null, $"no gradient reached '{name}'");
            Assert.True(grad!.abs().sum().item<float>() > 0, $"the gradient of '{name}' is zero");
        }
        return module.ParameterInitializers;
    }
}

using Graft.FineTuner.Heads;
using Graft.FineTuner.Tests.Fixtures;
using Onnx;
using TorchSharp;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Training;

public sealed class HeadFileTests
{
    [Fact]
    public void WriteThenRead_HeadOnnx_RoundTripsAndMatchesTheModule()
    {
        using var folder = new TempDir();
        var rng = new Random(2);
        var head = TinyBackbone.Head() with
        {
            Normalization = new FeatureAffine(
                Enumerable.Range(0, TinyBackbone.Features).Select(_ => (float)rng.NextDouble()).ToArray(),
                Enumerable.Range(0, TinyBackbone.Features).Select(_ => 0.5f + (float)rng.NextDouble()).ToArray()),
        };
        var path = folder.File("head.onnx");
        HeadOnnxFile.Write(head, path);
        var read = HeadOnnxFile.Read(path, dropoutBeforeLast: 0.5f);
        Assert.Equal(head.ClassNames, read.ClassNames);
        Assert.Equal(0.5f, read.Layers[^1].DropoutBefore);
        Assert.Null(read.Normalization); // folded into the first layer

        var features = Enumerable.Range(0, 3 * TinyBackbone.Features).Select(_ => (float)rng.NextDouble() * 3).ToArray();
        using var module = new DenseHeadModule(head);
        module.eval();
        using var x = torch.tensor(features, [3, TinyBackbone.Features]);
        using var logits = module.forward(x);
        using var probabilities = logits.softmax(1);
        var expected = probabilities.data<float>().ToArray();
        var (actual, shape) = OrtReference.Run(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)), HeadOnnxFile.InputName, features, [3, TinyBackbone.Features]);
        Assert.Equal([3L, 2L], shape);
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, 5));
    }

    [Fact]
    public void SaveThenLoad_DenseHead_KeepsEveryValue()
    {
        using var folder = new TempDir();
        var head = TinyBackbone.Head();
        head.Save(folder.Path);
        var loaded = DenseHead.Load(folder.Path);
        Assert.Equal(head.ClassNames, loaded.ClassNames);
        for (var i = 0; i < head.Layers.Count; i++)
        {
            Assert.Equal(head.Layers[i].Weight, loaded.Layers[i].Weight);
            Assert.Equal(head.Layers[i].Bias, loaded.Layers[i].Bias);
            Assert.Equal(head.Layers[i].Activation, loaded.Layers[i].Activation);
            Assert.Equal(head.Layers[i].DropoutBefore, loaded.Layers[i].DropoutBefore);
        }
    }
}

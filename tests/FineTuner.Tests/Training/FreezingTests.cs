using Graft.FineTuner.Conversion;
using Graft.FineTuner.Layers;
using Graft.FineTuner.Tests.Fixtures;
using Onnx;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Training;

/// <summary>Keras's rule: frozen layers (weights and BatchNorm statistics) do not change; trainable ones do.</summary>
public sealed class FreezingTests
{
    [Fact]
    public void Run_TrainTop_ChangesOnlyTrainableWeightsAndStatistics()
    {
        using var run = new TinyRun();
        var result = run.Run(TinyRun.Options(trainTop: 4, epochs: 2) with { UseBoundaryCache = false, TrainBatchNormStatistics = true });
        var before = Initializers(TinyBackbone.Model());
        var after = Initializers(ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.WrittenBackbone.ModelPath)));

        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(TinyBackbone.Model()));
        var layers = LayerList.For(module);
        var plan = FreezePlan.Create(module, layers, 4, null);
        foreach (var layer in layers.Layers)
            foreach (var name in layer.Parameters.Concat(layer.Statistics))
            {
                var trainable = layer.Index >= plan.FirstTrainableLayer;
                if (trainable) Assert.False(before[name].SequenceEqual(after[name]), $"{name} (trainable) did not change");
                else Assert.True(before[name].SequenceEqual(after[name]), $"{name} (frozen) changed");
            }
        Assert.Equal(plan.Counts, result.Backbone);
    }

    [Fact]
    public void Run_DefaultBatchNorm_KeepsEveryRunningStatisticWhileTrainableWeightsChange()
    {
        using var run = new TinyRun();
        var result = run.Run(TinyRun.Options(trainTop: 4, epochs: 2) with { UseBoundaryCache = false });
        var before = Initializers(TinyBackbone.Model());
        var after = Initializers(ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.WrittenBackbone.ModelPath)));
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(TinyBackbone.Model()));
        var layers = LayerList.For(module);
        var plan = FreezePlan.Create(module, layers, 4, null);
        var trainable = layers.Layers.Where(l => l.Index >= plan.FirstTrainableLayer).ToList();
        Assert.Contains(trainable, l => l.Statistics.Count > 0);
        foreach (var layer in layers.Layers)
            foreach (var name in layer.Statistics)
                Assert.True(before[name].SequenceEqual(after[name]), $"{name} changed");
        Assert.Contains(trainable.SelectMany(l => l.Parameters), name => !before[name].SequenceEqual(after[name]));
    }

    [Fact]
    public void Run_FrozenBatchNorm_StaysInInferenceModeWhileTraining()
    {
        // With the whole backbone frozen but the model in train mode, BatchNorm must use running statistics: the
        // frozen features of a batch then equal those of the same images one at a time in eval mode.
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(TinyBackbone.Model()));
        var plan = FreezePlan.Create(module, LayerList.For(module), 0, null);
        plan.Apply(module);
        module.train();
        using var x = TorchSharp.torch.rand(4, 3, 16, 16);
        using var batch = module.forward(x);
        module.eval();
        using var single = module.forward(x.narrow(0, 1, 1));
        Assert.True(batch.narrow(0, 1, 1).allclose(single, rtol: 1e-5, atol: 1e-6));
        var mean = module.Weight("block1_bn/moving_mean");
        using var expected = TorchSharp.torch.tensor(before(TinyBackbone.Model(), "block1_bn/moving_mean"));
        Assert.True(mean.allclose(expected, rtol: 0, atol: 0));

        static float[] before(ModelProto m, string name) => Initializers(m)[name];
    }

    private static Dictionary<string, float[]> Initializers(ModelProto model) =>
        model.Graph.Initializer.ToDictionary(t => t.Name,
            t => t.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : t.FloatData.ToArray());
}

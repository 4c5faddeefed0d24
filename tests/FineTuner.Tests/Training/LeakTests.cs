using Graft.FineTuner.Conversion;
using Graft.FineTuner.Layers;
using Graft.FineTuner.Tests.Fixtures;
using Graft.FineTuner.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Training;

/// <summary>Forward, backward and optimizer steps must not leave tensors behind: the live handle count of the thread
/// is the same after every step (the first step creates the optimizer's moments).</summary>
public sealed class LeakTests
{
    [Fact]
    public void TrainingSteps_KeepLiveTensorCountStable()
    {
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(TinyBackbone.Model()));
        FreezePlan.Create(module, LayerList.For(module), 7, null).Apply(module);
        using var head = new Graft.FineTuner.Heads.DenseHeadModule(TinyBackbone.Head());
        using var model = new FineTuneModel(module, head, FeatureCache.Backbones.OutputPooling.InGraph, FeatureCache.Preprocessing.TensorLayout.Nchw);
        var groups = new[]
        {
            new ParameterGroup("all", model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList(), 1.0),
        };
        using var optimizer = new AdamOptimizer(groups, weightDecay: 1e-4);
        model.train();
        using var x = rand(4, 3, 16, 16);
        using var labels = tensor(new long[] { 0, 1, 0, 1 });
        var counts = new List<long>();
        for (var step = 0; step < 5; step++)
        {
            using (var scope = NewDisposeScope())
            {
                var loss = F.cross_entropy(model.forward(x), labels);
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.Step(1e-3);
            }
            optimizer.ZeroGrad();
            counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        Assert.All(counts.Skip(1), c => Assert.Equal(counts[1], c));
    }

    [Fact]
    public void Forward_OutsideAnyScope_DisposesItsIntermediates()
    {
        using var module = OnnxGraphModule.Create(OnnxModelFile.FromModel(TinyBackbone.Model()));
        module.eval();
        using var x = rand(2, 3, 16, 16);
        using (no_grad()) module.forward(x).Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
            using (no_grad()) module.forward(x).Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}

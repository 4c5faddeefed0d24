using Graft.FineTuner.Conversion;
using Graft.FineTuner.Tests.Fixtures;

namespace Graft.FineTuner.Tests.Conversion;

/// <summary>Parity on real torchvision exports (random weights; see Fixtures/make_fixtures.py).</summary>
public sealed class TorchvisionFixtureTests
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public void Forward_MobileNetV2Export_MatchesOnnxRuntime()
    {
        var file = OnnxModelFile.Load(Fixture("mobilenet_v2_w025.onnx"));
        Parity.Check(file.Model, [2, 3, 96, 96], inputScale: 2f);
    }

    [Fact]
    public void Forward_GoogLeNetExport_MatchesOnnxRuntime()
    {
        var file = OnnxModelFile.Load(Fixture("googlenet_small.onnx"));
        Parity.Check(file.Model, [2, 3, 64, 64], inputScale: 2f);
    }

    [Fact]
    public void Create_MobileNetV2_KeepsBatchNormStatisticsAsBuffers()
    {
        using var module = OnnxGraphModule.Create(OnnxModelFile.Load(Fixture("mobilenet_v2_w025.onnx")));
        Assert.Equal(52 * 2, module.StatisticInitializers.Count);
        Assert.All(module.StatisticInitializers, name => Assert.False(module.Weight(name).requires_grad));
        Assert.All(module.ParameterInitializers, name => Assert.True(module.Weight(name).requires_grad));
    }
}

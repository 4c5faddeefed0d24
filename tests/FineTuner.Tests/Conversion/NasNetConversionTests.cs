using Graft.FineTuner.Conversion;
using Graft.FineTuner.Layers;
using Graft.FineTuner.Tests.Fixtures;
using Graft.ModelImport;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Conversion;

/// <summary>The NASNet graph the Keras importer writes (NASNetMobile, seeded random weights): converter parity,
/// and the Keras layer count and cut points the seed's "freeze the bottom N" relies on.</summary>
public sealed class NasNetConversionTests : IClassFixture<NasNetConversionTests.MobileModel>
{
    private readonly MobileModel _model;

    public NasNetConversionTests(MobileModel model) => _model = model;

    [Fact]
    public void Forward_NasNetMobile_MatchesOnnxRuntime()
    {
        var file = OnnxModelFile.Load(_model.Path);
        Parity.Check(file.Model, [1, 3, 224, 224], input: "input_1");
    }

    [Fact]
    public void For_NasNetMobile_CountsKerasLayersAndCutsAtCellInputs()
    {
        using var module = OnnxGraphModule.Create(OnnxModelFile.Load(_model.Path), "input_1");
        var layers = LayerList.For(module);
        Assert.True(layers.FromMetadata);
        Assert.Equal(769, layers.Count);
        Assert.Equal("input_1", layers.Layers[0].Name);
        Assert.True(layers.UnclaimedNodes <= 2, $"{layers.UnclaimedNodes} unclaimed nodes"); // Keras's pooling='avg' after the last layer
        var plan = FreezePlan.Create(module, layers, 100, null);
        Assert.Equal(4_269_716, plan.Counts.Total);
        var boundary = FreezeBoundary.For(module, plan);
        Assert.NotEmpty(boundary.Values);
        Assert.True(boundary.Values.Count < 20, string.Join(", ", boundary.Values));
        Assert.All(boundary.Values, v => Assert.NotEqual(module.InputName, v));
    }

    /// <summary>NASNetMobile written once per test class.</summary>
    public sealed class MobileModel : IDisposable
    {
        private readonly TempDir _folder = new();

        public MobileModel()
        {
            Path = _folder.File("nasnet_mobile.onnx");
            KerasImporter.Import(new KerasImportOptions
            {
                Architecture = KerasArchitecture.NasNetMobile,
                RandomInit = true,
                Seed = 1,
                OutputPath = Path,
                WriteDescriptor = false,
            });
        }

        public string Path { get; }

        public void Dispose() => _folder.Dispose();
    }
}

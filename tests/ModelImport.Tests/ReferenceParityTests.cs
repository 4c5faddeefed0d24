using Graft.ModelImport.NasNet;
using Graft.ModelImport.Onnx;
using Graft.ModelImport.Tests.Fixtures;

namespace Graft.ModelImport.Tests;

/// <summary>
/// Whole reduced NASNets (same builder and writer as Large/Mobile): the ONNX model in ONNX Runtime against
/// <see cref="KerasReference"/>, which runs the Keras graph channels-last with Keras-layout weights.
/// </summary>
public sealed class ReferenceParityTests
{
    public static TheoryData<string> Configs => ["skip_reduction", "no_skip_reduction"];

    [Theory]
    [MemberData(nameof(Configs))]
    public void ReducedNasNet_OnnxRuntimeMatchesKerasSemantics(string variant)
    {
        var config = variant == "skip_reduction" ? TestModels.Tiny : TestModels.TinyMobileStyle;
        var model = NasNetArchitecture.Build(config);
        var weights = TestModels.Arbitrary(model, seed: 5);
        var size = config.ImageSize;
        var rng = new Random(9);
        var hwc = Enumerable.Range(0, size * size * 3).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

        var expected = KerasReference.Run(weights, hwc);
        var (actual, dims) = Ort.Run(KerasOnnxWriter.Build(weights), Ort.HwcToChw(hwc, size, size, 3), 1, 3, size, size);

        Assert.Equal([1, model.Output.OutputShape.Channels], dims);
        var scale = expected.Max(MathF.Abs);
        Assert.True(scale > 1e-3, "degenerate output");
        var worst = expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max();
        Assert.True(worst <= 1e-4f * scale, $"max |ONNX − reference| = {worst} at output scale {scale}");
    }
}

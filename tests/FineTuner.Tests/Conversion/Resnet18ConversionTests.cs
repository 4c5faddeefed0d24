using Graft.FineTuner.Conversion;
using Graft.FineTuner.Tests.Fixtures;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Conversion;

public sealed class Resnet18ConversionTests
{
    public static string ModelPath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
            Assert.True(File.Exists(path), $"{path} is copied by the Microsoft.ML.DnnImageFeaturizer.ResNet18 package.");
            return path;
        }
    }

    [Fact]
    public void Forward_Resnet18Cntk_MatchesOnnxRuntime()
    {
        var file = OnnxModelFile.Load(ModelPath);
        // Pixel-like inputs (BGR minus mean image spans roughly ±128) exercise the real activation ranges.
        var (maxDiff, scale) = Parity.Check(file.Model, [2, 3, 224, 224], inputScale: 120f);
        Assert.True(scale > 1);
    }
}

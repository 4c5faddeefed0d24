using Microsoft.ML;
using Microsoft.ML.Data;

namespace Graft.Cli.Benchmarks;

/// <summary>
/// The way .NET developers featurize images with ML.NET today: LoadImages → ResizeImages → ExtractPixels →
/// DnnFeaturizeImage(ResNet18), one image at a time. The yardstick of <c>graft bench precompute</c>.
/// </summary>
public static class MlNetFeaturizer
{
    private sealed class Input
    {
        public string ImagePath { get; set; } = "";
    }

    private sealed class Output
    {
        [VectorType(512)]
        public float[] Features { get; set; } = [];
    }

    /// <summary>Returns the 512-d ResNet18 features ML.NET computes for each image path, in order.</summary>
    public static List<float[]> Featurize(IReadOnlyList<string> imagePaths, int size = 224)
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(imagePaths.Select(p => new Input { ImagePath = p }));
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder: "", inputColumnName: nameof(Input.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", size, size, inputColumnName: "Image"))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), "Pixels"));
        var transformed = pipeline.Fit(data).Transform(data);
        return ml.Data.CreateEnumerable<Output>(transformed, reuseRowObject: false).Select(o => o.Features).ToList();
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace Graft.Bench;

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
    public static List<float[]> Featurize(IReadOnlyList<string> imagePaths, int size = 224) => Featurize(imagePaths, out _, size);

    /// <summary>As above; <paramref name="seconds"/> is the time to run the images through the fitted pipeline
    /// (model loading excluded, as it is for Graft's figures).</summary>
    public static List<float[]> Featurize(IReadOnlyList<string> imagePaths, out double seconds, int size = 224)
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(imagePaths.Select(p => new Input { ImagePath = p }));
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder: "", inputColumnName: nameof(Input.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", size, size, inputColumnName: "Image"))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), "Pixels"));
        var model = pipeline.Fit(data);
        // Warm the ONNX sessions on one image so both sides are timed without start-up costs.
        var warm = ml.Data.LoadFromEnumerable(imagePaths.Take(1).Select(p => new Input { ImagePath = p }));
        _ = ml.Data.CreateEnumerable<Output>(model.Transform(warm), reuseRowObject: false).Count();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var features = ml.Data.CreateEnumerable<Output>(model.Transform(data), reuseRowObject: false).Select(o => o.Features).ToList();
        seconds = clock.Elapsed.TotalSeconds;
        return features;
    }
}

using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Graft.HeadTrainer.Runs;
using Graft.MlNet;
using Microsoft.ML;
using Onnx;
using Graft.FeatureCache.Onnx;

namespace Graft.HeadTrainer.Deployment;

/// <summary>Export formats of <c>graft export</c>.</summary>
public enum ExportFormat
{
    /// <summary>One ONNX file: preprocessing + backbone + head, image tensor in, probabilities out.</summary>
    Onnx,
    /// <summary>An ML.NET model zip: Graft's decode + resize (Graft.MlNet) → ExtractPixels → ApplyOnnxModel → class name.</summary>
    MlNet,
}

/// <summary>
/// Writes a trained run as a deployable classifier. Both formats carry the backbone, its normalisation and the head.
/// The ONNX file takes pixels already decoded and resized as Graft does (README: "Export"); the ML.NET zip decodes and
/// resizes itself with Graft's code, so the receiving application references the small Graft.MlNet package.
/// </summary>
public static class ClassifierExport
{
    /// <summary>Column names of the ML.NET model: input <c>ImagePath</c>; outputs <c>Score</c> (float[C]) and
    /// <c>PredictedLabel</c> (string[1], the class name).</summary>
    public const string ImagePathColumn = "ImagePath";
    public const string ScoreColumn = "Score";
    public const string PredictedLabelColumn = "PredictedLabel";

    /// <summary>Exports <paramref name="runDirectory"/> to <paramref name="outPath"/>; returns the path written.</summary>
    public static string Export(string runDirectory, ExportFormat format, string outPath)
    {
        var run = RunFolder.Load(runDirectory);
        var descriptor = run.Backbone ?? throw new GraftException($"Run '{run.Directory}' has no {RunFolder.BackboneFile}.");
        var head = run.HeadOnnxPath is { } headPath
            ? OnnxModelReader.Read(headPath)
            : throw new GraftException($"The {run.Config.Head} head of run '{run.Directory}' has no ONNX form (head.onnx).",
                "Export supports the linear and mlp heads; train one of those (graft train-head --head linear).");
        var (backbone, mean) = LoadBackbone(descriptor, run);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        if (format == ExportFormat.Onnx)
        {
            var model = ClassifierOnnx.Compose(descriptor, backbone, head, run.Config.ClassNames, mean);
            AtomicFile.WriteAllBytes(outPath, model.ToByteArray());
            return Path.GetFullPath(outPath);
        }

        var single = ClassifierOnnx.Compose(descriptor, backbone, head, run.Config.ClassNames, mean, singleImage: true);
        var onnxTemp = Path.Combine(Path.GetTempPath(), $"graft-export-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(onnxTemp, single.ToByteArray());
            SaveMlNet(descriptor.Preprocess, run.Config.ClassNames, onnxTemp, outPath);
        }
        finally
        {
            File.Delete(onnxTemp);
        }
        return Path.GetFullPath(outPath);
    }

    private static (ModelProto Backbone, float[]? Mean) LoadBackbone(BackboneDescriptor d, RunFolder run)
    {
        var file = BackboneModelFile.OpenExpecting(d, run.Config.FeatureSet.ModelSha256, "Point the run's backbone.json at the original model file.");
        return (file.ReadRunnable(), file.LoadMeanImage());
    }

    /// <summary>The pipeline an ML.NET application loads with <c>mlContext.Model.Load</c> once it references the
    /// Graft.MlNet package; the ONNX bytes are stored inside the zip. Images are decoded and resized by Graft's own code
    /// (<see cref="GraftImageTransform"/>), not by ML.NET's LoadImages/ResizeImages, whose decoder ignores EXIF
    /// orientation and whose resampler is not the one the training features were made with (|Δp| up to 0.23).</summary>
    private static void SaveMlNet(PreprocessSpec p, IReadOnlyList<string> classNames, string onnxPath, string outPath)
    {
        var ml = new MLContext(seed: 0);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<ImageRow>());
        var names = classNames.Select((name, i) => new KeyValuePair<long, string>(i, name));
        var pipeline = GraftImageTransform.Create(ml, p, ImagePathColumn, "graft_image")
            .Append(ml.Transforms.ExtractPixels(ClassifierOnnx.ImageInput, "graft_image"))
            .Append(ml.Transforms.ApplyOnnxModel([ClassifierOnnx.ProbabilitiesOutput, ClassifierOnnx.ClassIndexOutput], [ClassifierOnnx.ImageInput], onnxPath))
            .Append(ml.Transforms.CopyColumns(ScoreColumn, ClassifierOnnx.ProbabilitiesOutput))
            .Append(ml.Transforms.Conversion.MapValue(PredictedLabelColumn, names, ClassifierOnnx.ClassIndexOutput));
        var model = pipeline.Fit(empty);
        AtomicFile.Write(outPath, tmp => ml.Model.Save(model, empty.Schema, tmp));
    }

    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";
    }
}

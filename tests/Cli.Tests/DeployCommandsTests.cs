using System.Text.Json;
using Graft.Cli.Tests.Fixtures;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.Cli.Tests;

/// <summary>The whole path on the real ResNet18: precompute → train-head → evaluate / predict / export, with the
/// exported ONNX and ML.NET models checked against graft predict.</summary>
public sealed class DeployCommandsTests : IClassFixture<DeployCommandsTests.TrainedRuns>
{
    private readonly TrainedRuns _runs;
    private readonly ITestOutputHelper _output;

    public DeployCommandsTests(TrainedRuns runs, ITestOutputHelper output) => (_runs, _output) = (runs, output);

    /// <summary>One cache and a linear, an mlp and a lightgbm run on 224×224 synthetic photos, shared by the tests.</summary>
    public sealed class TrainedRuns : IDisposable
    {
        public TrainedRuns()
        {
            Root = Directory.CreateTempSubdirectory("graft-deploy-").FullName;
            SyntheticImages.WriteFolderDataset(Data, 3, new Dictionary<string, int> { ["train"] = 8, ["val"] = 3, ["test"] = 3 }, size: 224, seed: 5);
            Check(GraftCli.Run("precompute", "--data", Data, "--cache", Cache, "--json"));
            foreach (var head in new[] { "linear", "mlp", "lightgbm" })
                Check(GraftCli.Run("train-head", "--cache", Cache, "--head", head, "--out", Run(head), "--epochs", head == "mlp" ? "20" : "50", "--json"));
        }

        public string Root { get; }
        public string Data => Path.Combine(Root, "data");
        public string Cache => Path.Combine(Root, "cache");
        public string Run(string head) => Path.Combine(Root, "runs", head);
        public IReadOnlyList<string> TestImages => Directory.GetFiles(Path.Combine(Data, "test"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        private static void Check((int Exit, string Output) r) => Assert.True(r.Exit == 0, r.Output);

        public void Dispose() => Directory.Delete(Root, true);
    }

    private static Dictionary<string, float[]> Predict(string run, IEnumerable<string> images)
    {
        var (exit, output) = GraftCli.Run(["predict", "--run", run, .. images, "--top-k", "3", "--json"]);
        Assert.True(exit == 0, output);
        var json = JsonDocument.Parse(output.Split('\n').First(l => l.StartsWith('['))).RootElement;
        var classes = new[] { "class_a", "class_b", "class_c" };
        return json.EnumerateArray().ToDictionary(e => e.GetProperty("path").GetString()!, e =>
        {
            var p = new float[3];
            foreach (var t in e.GetProperty("top").EnumerateArray()) p[Array.IndexOf(classes, t.GetProperty("label").GetString())] = t.GetProperty("probability").GetSingle();
            return p;
        });
    }

    private static float[] Pixels(string path)
    {
        using var image = Image.Load<Rgb24>(path);
        var planar = new float[3 * 224 * 224];
        for (var y = 0; y < 224; y++)
            for (var x = 0; x < 224; x++)
            {
                var p = image[x, y];
                planar[y * 224 + x] = p.R;
                planar[224 * 224 + y * 224 + x] = p.G;
                planar[2 * 224 * 224 + y * 224 + x] = p.B;
            }
        return planar;
    }

    [Fact]
    public void Predict_Folder_LabelsTheTestImagesLikeTheirFolders()
    {
        var predictions = Predict(_runs.Run("linear"), [Path.Combine(_runs.Data, "test")]);
        Assert.Equal(9, predictions.Count);
        var correct = predictions.Count(p => Path.GetFileName(Path.GetDirectoryName(p.Key)) == new[] { "class_a", "class_b", "class_c" }[Array.IndexOf(p.Value, p.Value.Max())]);
        Assert.True(correct >= 8, $"{correct}/9 correct");
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("mlp")]
    [InlineData("lightgbm")]
    public void ExportOnnx_OutputsMatchGraftPredict(string head)
    {
        var onnx = Path.Combine(_runs.Root, $"{head}.onnx");
        var (exit, output) = GraftCli.Run("export", "--run", _runs.Run(head), "--format", "onnx", "-o", onnx);
        Assert.True(exit == 0, output);
        var images = _runs.TestImages;
        var expected = Predict(_runs.Run(head), images);

        using var session = new InferenceSession(onnx);
        var input = images.SelectMany(Pixels).ToArray();
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [images.Count, 3, 224, 224]);
        using var results = session.Run(new RunOptions(), ["image"], [tensor], ["probabilities", "class_index"]);
        var probabilities = results[0].GetTensorDataAsSpan<float>().ToArray();
        var indices = results[1].GetTensorDataAsSpan<long>().ToArray();

        for (var i = 0; i < images.Count; i++)
        {
            var want = expected[images[i]];
            for (var c = 0; c < 3; c++) Assert.Equal(want[c], probabilities[i * 3 + c], 1e-4f);
            Assert.Equal(Array.IndexOf(want, want.Max()), (int)indices[i]);
        }
        var names = session.ModelMetadata.CustomMetadataMap["graft.class_names"];
        Assert.Equal("[\"class_a\",\"class_b\",\"class_c\"]", names);
    }

    [Fact]
    public void ExportMlNet_PlainMlNetPredictionEngine_MatchesGraftPredict()
    {
        var zip = Path.Combine(_runs.Root, "linear.zip");
        Assert.Equal(0, GraftCli.Run("export", "--run", _runs.Run("linear"), "--format", "mlnet", "-o", zip).Exit);
        var images = _runs.TestImages;
        var expected = Predict(_runs.Run("linear"), images);

        var ml = new MLContext();
        var model = ml.Model.Load(zip, out _);
        var engine = ml.Model.CreatePredictionEngine<ImageInput, ImageOutput>(model);
        foreach (var image in images)
        {
            var p = engine.Predict(new ImageInput { ImagePath = image });
            var want = expected[image];
            for (var c = 0; c < 3; c++) Assert.Equal(want[c], p.Score[c], 1e-4f);
            Assert.Equal(new[] { "class_a", "class_b", "class_c" }[Array.IndexOf(want, want.Max())], p.PredictedLabel.Single());
        }
    }

    /// <summary>The issue-10 check: real JPEGs of mixed sizes, some with EXIF orientations, through graft predict, the
    /// ML.NET zip (as the README's snippet loads it) and the ONNX export fed by the README's recipe.</summary>
    [Fact]
    public void Exports_OnRealJpegsOfMixedSizesAndOrientations_MatchGraftPredict()
    {
        var folder = Path.Combine(_runs.Root, "real-photos");
        var images = RealPhotos.Write(folder);
        Assert.True(images.Count >= 50, $"{images.Count} photos");
        var run = _runs.Run("mlp");
        var expected = Predict(run, [folder]);
        Assert.Equal(images.Count, expected.Count);

        var zip = Path.Combine(_runs.Root, "real-mlp.zip");
        Assert.Equal(0, GraftCli.Run("export", "--run", run, "--format", "mlnet", "-o", zip).Exit);
        var ml = new MLContext();
        var engine = ml.Model.CreatePredictionEngine<ImageInput, ImageOutput>(ml.Model.Load(zip, out _));
        var zipDelta = images.Max(image => MaxDelta(expected[image], engine.Predict(new ImageInput { ImagePath = image }).Score));

        var onnx = Path.Combine(_runs.Root, "real-mlp.onnx");
        Assert.Equal(0, GraftCli.Run("export", "--run", run, "--format", "onnx", "-o", onnx).Exit);
        using var session = new InferenceSession(onnx);
        var decoder = new Graft.FeatureCache.Decoding.ImageDecoder();
        var onnxDelta = images.Max(image =>
        {
            using var decoded = decoder.Decode(Graft.FeatureCache.Datasets.ImageData.Encoded(File.ReadAllBytes(image)));
            using var tensor = OrtValue.CreateTensorValueFromMemory(DocumentedPreprocessing.Tensor(decoded, 224), [1, 3, 224, 224]);
            using var results = session.Run(new RunOptions(), ["image"], [tensor], ["probabilities"]);
            return MaxDelta(expected[image], results[0].GetTensorDataAsSpan<float>().ToArray());
        });

        _output.WriteLine($"{images.Count} JPEGs: max |dp| zip {zipDelta:E2}, onnx (README recipe) {onnxDelta:E2}");
        Assert.True(zipDelta <= 1e-3, $"ML.NET zip: max |dp| {zipDelta:E2} over {images.Count} JPEGs");
        Assert.True(onnxDelta <= 1e-3, $"ONNX export: max |dp| {onnxDelta:E2} over {images.Count} JPEGs");
    }

    private static double MaxDelta(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    [Fact]
    public void Evaluate_Json_HasConsistentMetrics()
    {
        var (exit, output) = GraftCli.Run("evaluate", "--run", _runs.Run("linear"), "--json");
        Assert.True(exit == 0, output);
        var m = PrecomputeCommandTests.Json(output);
        var metrics = m.TryGetProperty("metrics", out var inner) ? inner : m;
        Assert.Equal(9, metrics.GetProperty("num_examples").GetInt32());
        var confusion = metrics.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
        Assert.Equal(9, confusion.Sum(r => r.Sum()));
        var trace = Enumerable.Range(0, 3).Sum(i => confusion[i][i]);
        Assert.Equal(trace / 9.0, metrics.GetProperty("accuracy").GetDouble(), 1e-9);
        Assert.True(File.Exists(Path.Combine(_runs.Run("linear"), "metrics.json")));
        Assert.True(File.Exists(Path.Combine(_runs.Run("linear"), "report.html")));
        Assert.True(File.Exists(Path.Combine(_runs.Run("linear"), "confusion.png")));
    }

    [Fact]
    public void TrainHead_RunFolder_HasHistoryCurvesModelAndSummary()
    {
        var run = _runs.Run("mlp");
        var history = File.ReadAllLines(Path.Combine(run, "history.csv"));
        Assert.StartsWith("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds", history[0]);
        Assert.InRange(history.Length - 1, 4, 20); // early stopping with patience 3, at most 20 epochs
        foreach (var file in new[] { "config.json", "backbone.json", "curves.png", "model.zip", "head.onnx", "summary.txt" })
            Assert.True(File.Exists(Path.Combine(run, file)), file);
        var summary = File.ReadAllText(Path.Combine(run, "summary.txt"));
        Assert.Contains("Non-trainable params: 15,908,800", summary);
        Assert.Contains("Trainable params: " + (512 * 512 + 512 + 512 * 3 + 3).ToString("N0", System.Globalization.CultureInfo.InvariantCulture), summary);
    }

    [Fact]
    public void TrainHead_LightGbmSummary_SaysItsParamsAreTreesNotWeights()
    {
        var summary = File.ReadAllText(Path.Combine(_runs.Run("lightgbm"), "summary.txt"));
        Assert.Contains("LightGBM's trainable params are its trees' split thresholds and leaf values", summary);
    }

    [Fact]
    public void TrainHead_HoldOut_SelectsOnPartOfTrainAndLeavesTheValidationSplitUnseen()
    {
        var run = Path.Combine(_runs.Root, "runs", "linear-hold-out");
        var (exit, output) = GraftCli.Run("train-head", "--cache", _runs.Cache, "--out", run, "--hold-out", "--validation-fraction", "0.25", "--json");
        Assert.True(exit == 0, output);

        var splits = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))).RootElement.GetProperty("splits");
        Assert.Equal(18, splits.GetProperty("train").GetInt32()); // 3 classes × (8 − 2 held out)
        Assert.Equal(6, splits.GetProperty("validation").GetInt32());
        Assert.Equal("hold-out", splits.GetProperty("validation_source").GetProperty("kind").GetString());
        var (evalExit, evalOutput) = GraftCli.Run("evaluate", "--run", run, "--split", "validation", "--json");
        Assert.True(evalExit == 0, evalOutput);
        Assert.Contains("\"num_examples\": 9", evalOutput); // the cache's own validation split, 3 × 3
    }

    [Fact]
    public void TrainHead_Normalize_IsAppliedAndRecorded()
    {
        var run = Path.Combine(_runs.Root, "runs", "linear-minmax");
        var (exit, output) = GraftCli.Run("train-head", "--cache", _runs.Cache, "--out", run, "--normalize", "minmax", "--l2", "1", "--json");
        Assert.True(exit == 0, output);
        var selection = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))).RootElement.GetProperty("selection");
        Assert.Equal("MinMax", selection.GetProperty("normalization").GetString());

        var (badExit, badOutput) = GraftCli.Run("train-head", "--cache", _runs.Cache, "--out", run + "-bad", "--normalize", "zscore");
        Assert.Equal(2, badExit);
        Assert.Contains("--normalize 'zscore' is not one of: meanVariance, minMax, none", badOutput);
    }

    [Theory]
    [InlineData("--augment-views", "0", "--augment-views 0 must be 1..64")]
    [InlineData("--augment-views", "-3", "--augment-views -3 must be 1..64")]
    [InlineData("--augment", "heavy", "--augment 'heavy' is not one of: none, light, standard, strong")]
    [InlineData("--crop-scale", "1.5", "--crop-scale 1.5 must be in (0, 1]")]
    public void FineTune_BadAugmentationOption_ExitsTwoWithOneLine(string flag, string value, string expected)
    {
        var (exit, output) = GraftCli.Run("finetune", "--run", _runs.Run("mlp"), "--train-top", "15", flag, value);
        Assert.Equal(2, exit);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
        Assert.False(Directory.Exists(Path.Combine(_runs.Run("mlp"), "finetune", "checkpoint")));
    }

    [Theory]
    [InlineData(new[] { "train-head", "--cache", "/nonexistent/cache", "--out", "/nonexistent/run" }, "is not a Graft feature cache")]
    [InlineData(new[] { "train-head", "--cache", "." }, "--out RUNDIR is required")]
    [InlineData(new[] { "evaluate", "--run", "/nonexistent/run" }, "error:")]
    [InlineData(new[] { "predict", "--run", "/nonexistent/run", "x.png" }, "error:")]
    [InlineData(new[] { "export", "--run", "/nonexistent/run" }, "error:")]
    public void HeadCommands_UserMistakes_ExitTwo(string[] args, string expected)
    {
        var (exit, output) = GraftCli.Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
    }

    private sealed class ImageInput
    {
        public string ImagePath { get; set; } = "";
    }

    private sealed class ImageOutput
    {
        public string[] PredictedLabel { get; set; } = [];
        public float[] Score { get; set; } = [];
    }
}

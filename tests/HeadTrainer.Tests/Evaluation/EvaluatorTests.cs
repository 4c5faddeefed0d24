using System.Text.Json;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Tests.Fixtures;
using Graft.HeadTrainer.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.HeadTrainer.Tests.Evaluation;

public sealed class EvaluatorTests : IDisposable
{
    private readonly TempDir _dir = new("eval");
    private readonly float[][] _centres = Synthetic.Centres(3, 8, 4);

    public void Dispose() => _dir.Dispose();

    /// <summary>Trains a linear head on a synthetic cache; three test rows carry a wrong label, so three images are
    /// misclassified. With <paramref name="images"/>, the ids are real PNG files of a folder dataset.</summary>
    private string TrainRun(bool images = false, bool test = true)
    {
        var train = WithIds(Synthetic.Rows(_centres, 20, 1), "train", "t");
        var validation = WithIds(Synthetic.Rows(_centres, 5, 2), "val", "v");
        var testRows = WithIds(Synthetic.Rows(_centres, 10, 3), "test", "x");
        for (var i = 0; i < 3; i++) testRows.Labels[i] = (testRows.Labels[i] + 1) % 3;
        var root = _dir.File("images");
        if (images)
            foreach (var rows in new[] { train, validation, testRows })
                for (var i = 0; i < rows.Count; i++)
                {
                    var file = Path.Combine(root, rows.Ids[i]);
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    using var image = new Image<Rgb24>(8, 8, new Rgb24((byte)(40 * i % 255), 100, 150));
                    image.SaveAsPng(file);
                }
        CacheBuilder.Write(_dir.File("cache"), CacheBuilder.Names(3), train, validation, test ? testRows : null, datasetRoot: root);
        HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, new HeadTrainingOptions { Linear = new LinearOptions { L2 = 0.1 } }, _dir.File("run"));
        return _dir.File("run");
    }

    /// <summary>Ids shaped like a folder dataset's: SPLIT/CLASS/NAME.png (the label of each row decides the folder).</summary>
    private static LabeledFeatures WithIds(LabeledFeatures rows, string split, string prefix) =>
        new(rows.Dimension, rows.Features, rows.Labels, rows.Labels.Select((l, i) => $"{split}/class{l}/{prefix}{i}.png").ToArray());

    [Fact]
    public void Evaluate_TestSplit_WritesMetricsJsonWithEveryField()
    {
        var run = TrainRun();

        var report = Evaluator.Evaluate(run);

        Assert.Equal(Path.Combine(run, "metrics.json"), report.MetricsPath);
        using var json = JsonDocument.Parse(File.ReadAllText(report.MetricsPath));
        var root = json.RootElement;
        Assert.Equal("test", root.GetProperty("split").GetString());
        Assert.Equal(30, root.GetProperty("num_examples").GetInt32());
        Assert.Equal(27.0 / 30, root.GetProperty("accuracy").GetDouble(), 9);
        foreach (var field in new[] { "top5_accuracy", "macro_f1", "log_loss", "class_names", "confusion_matrix", "per_class", "most_confused", "misclassified" })
            Assert.True(root.TryGetProperty(field, out _), field);
        Assert.Equal(3, root.GetProperty("confusion_matrix").GetArrayLength());
        Assert.Equal(3, root.GetProperty("misclassified").GetArrayLength());
        Assert.Equal(3, report.Metrics.MostConfused.Sum(p => p.Count));
        Assert.Null(report.Warning);
    }

    [Fact]
    public void Evaluate_TestSplit_WritesConfusionPngAndSelfContainedReport()
    {
        var run = TrainRun();

        var report = Evaluator.Evaluate(run);

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(report.ConfusionPath)[..4]);
        var html = File.ReadAllText(report.ReportPath);
        Assert.Contains("data:image/png;base64,", html);
        Assert.Contains("Misclassified images (3", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public void Evaluate_ImagesNotReachable_ReportWithoutThumbnailsAndANote()
    {
        var run = TrainRun(images: false);

        var report = Evaluator.Evaluate(run);

        Assert.NotNull(report.ThumbnailNote);
        Assert.DoesNotContain("<figure>", File.ReadAllText(report.ReportPath));
    }

    [Fact]
    public void Evaluate_ImagesReachable_ReportShowsEachMisclassifiedImage()
    {
        var run = TrainRun(images: true);

        var report = Evaluator.Evaluate(run);

        Assert.Null(report.ThumbnailNote);
        var html = File.ReadAllText(report.ReportPath);
        Assert.Equal(3, html.Split("<figure>").Length - 1);
        Assert.Contains("true: <b>class", html);
    }

    [Fact]
    public void Evaluate_ValidationSplit_WritesItsOwnFilesWithSelectionWarning()
    {
        var run = TrainRun();

        var report = Evaluator.Evaluate(run, Split.Validation);

        Assert.EndsWith("metrics-validation.json", report.MetricsPath);
        Assert.True(File.Exists(Path.Combine(run, "report-validation.html")));
        Assert.Contains("optimistic", report.Warning);
        Assert.False(File.Exists(Path.Combine(run, "metrics.json")));
    }

    [Fact]
    public void Evaluate_CacheFromAnotherBackbone_ThrowsNamingBoth()
    {
        var run = TrainRun();
        CacheBuilder.Write(_dir.File("other"), CacheBuilder.Names(3), Synthetic.Rows(_centres, 5, 1, prefix: "t"), test: Synthetic.Rows(_centres, 5, 2, prefix: "x"), model: 'b');

        var e = Assert.Throws<GraftException>(() => Evaluator.Evaluate(run, Split.Test, _dir.File("other")));

        Assert.Contains("different backbone", e.Message);
        Assert.Contains("aaaaaaaaaaaa", e.Message);
        Assert.Contains("bbbbbbbbbbbb", e.Message);
        Assert.NotNull(e.Hint);
    }

    [Fact]
    public void Evaluate_CacheOfSameBackboneOtherClasses_Throws()
    {
        var run = TrainRun();
        CacheBuilder.Write(_dir.File("other"), ["x", "y", "z"], Synthetic.Rows(_centres, 5, 1, prefix: "t"), test: Synthetic.Rows(_centres, 5, 2, prefix: "x"));

        var e = Assert.Throws<GraftException>(() => Evaluator.Evaluate(run, Split.Test, _dir.File("other")));

        Assert.Contains("classes", e.Message);
    }

    [Fact]
    public void Evaluate_NoTestSplit_ThrowsWithHint()
    {
        var run = TrainRun(test: false);

        var e = Assert.Throws<GraftException>(() => Evaluator.Evaluate(run));

        Assert.Contains("no test split", e.Message);
        Assert.Contains("--split validation", e.Hint);
    }

    [Fact]
    public void Evaluate_ProbabilitiesMatchTheRunsModel()
    {
        var run = TrainRun();
        var folder = RunFolder.Load(run);
        var set = FeatureStore.Open(folder.Config.Cache).Select();
        var test = TrainingDataLoader.ToLabeled(set.ReadSplits(set.LoadManifest(), [Split.Test]).Splits[Split.Test]);
        var scores = ScoreReader.Read(folder.LoadModel(new Microsoft.ML.MLContext(1)).Transform(new FeatureDataView(test, 3)), 3);

        var report = Evaluator.Evaluate(run);

        Assert.Equal(ProbabilityMetrics.LogLoss(scores, test.Labels, 3), report.Metrics.LogLoss, 12);
    }
}

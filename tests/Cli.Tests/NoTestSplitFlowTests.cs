using System.Text.Json;
using Graft.Cli.Tests.Fixtures;

namespace Graft.Cli.Tests;

/// <summary>The README's flow on a dataset with only train and val (hymenoptera, as the README names it): precompute,
/// train-head, evaluate and report choose the validation split and say how far to trust it.</summary>
public sealed class NoTestSplitFlowTests : IClassFixture<NoTestSplitFlowTests.HymenopteraCache>
{
    private readonly HymenopteraCache _data;

    public NoTestSplitFlowTests(HymenopteraCache data) => _data = data;

    /// <summary>One ResNet18 cache of the 397 hymenoptera photos (244 train, 153 val), shared by the tests.</summary>
    public sealed class HymenopteraCache : IDisposable
    {
        public HymenopteraCache()
        {
            Root = Directory.CreateTempSubdirectory("graft-hymenoptera-").FullName;
            var (exit, output) = GraftCli.Run("precompute", "--data", Repo.Hymenoptera, "--cache", Cache, "--json");
            Assert.True(exit == 0, output);
        }

        public string Root { get; }
        public string Cache => Path.Combine(Root, "cache");

        public void Dispose() => Directory.Delete(Root, true);
    }

    [Fact]
    public void HoldOut_EvaluateAndReport_UseTheUnseenValidationSplitAndSaySo()
    {
        var run = Path.Combine(_data.Root, "runs", "hold-out");
        var (trainExit, trainOutput) = GraftCli.Run("train-head", "--cache", _data.Cache, "--out", run, "--hold-out");
        Assert.True(trainExit == 0, trainOutput);

        var (exit, output) = GraftCli.Run("evaluate", "--run", run);
        Assert.True(exit == 0, output);
        Assert.Contains("No test split: evaluating on the validation split, which this run never saw", output);
        Assert.Contains("top-2 accuracy", output);
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics-validation.json"))).RootElement;
        var m = metrics.TryGetProperty("metrics", out var inner) ? inner : metrics;
        Assert.Equal(153, m.GetProperty("num_examples").GetInt32());
        Assert.InRange(m.GetProperty("accuracy").GetDouble(), 0.85, 1.0); // ResNet18 + linear head: ~0.95 measured
        Assert.True(File.Exists(Path.Combine(run, "report-validation.html")));
        Assert.True(File.Exists(Path.Combine(run, "confusion-validation.png")));

        var (reportExit, report) = GraftCli.Run("report", "--run", run);
        Assert.True(reportExit == 0, report);
        Assert.Contains("selection (hold-out)", report);
        Assert.Contains("report-validation.html", report);
        Assert.Contains("on 153 images", report);
    }

    [Fact]
    public void SelectedOnValidation_EvaluateWarnsThatTheFiguresAreOptimistic_AndTestSplitIsAUserMistake()
    {
        var run = Path.Combine(_data.Root, "runs", "split");
        Assert.Equal(0, GraftCli.Run("train-head", "--cache", _data.Cache, "--out", run).Exit);

        var (exit, output) = GraftCli.Run("report", "--run", run);
        Assert.True(exit == 0, output);
        Assert.Contains("which also chose this model, so the figures are optimistic", output);
        Assert.Contains("report-validation.html", output);

        var (autoExit, auto) = GraftCli.Run("evaluate", "--run", run, "--split", "validation", "--json");
        Assert.True(autoExit == 0, auto);
        Assert.Contains("\"num_examples\": 153", auto);

        var (testExit, test) = GraftCli.Run("evaluate", "--run", run, "--split", "test");
        Assert.Equal(2, testExit);
        Assert.Contains("no test split", test);
    }
}

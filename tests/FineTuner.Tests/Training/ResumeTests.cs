using Graft.FineTuner.Tests.Fixtures;
using Graft.FineTuner.Training;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;
using Onnx;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Training;

public sealed class ResumeTests
{
    [Fact]
    public void Run_KilledAfterAnEpochThenRerun_EqualsUninterruptedRun()
    {
        using var run = new TinyRun();
        var options = TinyRun.Options(trainTop: 7, epochs: 3);
        var straight = run.Run(options, "straight");

        using var kill = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Message?.StartsWith("epoch 1/", StringComparison.Ordinal) == true) kill.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => run.Run(options, "resumed", kill.Token, progress));
        Assert.False(File.Exists(Path.Combine(run.Output("resumed"), "backbone", "tiny-ft.onnx")));

        var log = new List<string>();
        var resumed = run.Run(options, "resumed", progress: new SyncProgress(p => { if (p.Message is { } m) log.Add(m); }));
        Assert.Contains(log, l => l.StartsWith("resuming after epoch 1", StringComparison.Ordinal));
        Assert.Equal(Strip(straight.History), Strip(resumed.History));
        Assert.Equal(Weights(straight.WrittenBackbone.ModelPath), Weights(resumed.WrittenBackbone.ModelPath));
        Assert.Equal(straight.WrittenBackbone.Sha256, resumed.WrittenBackbone.Sha256);
    }

    [Fact]
    public void Run_ChangedSettingsOnAnExistingRun_IsRefused()
    {
        using var run = new TinyRun();
        run.Run(TinyRun.Options(trainTop: 4, epochs: 1));
        var e = Assert.Throws<GraftException>(() => run.Run(TinyRun.Options(trainTop: 4, epochs: 1) with { LearningRate = 1e-2 }));
        Assert.Contains("other settings (lr differ)", e.Message);
    }

    [Fact]
    public void Run_WithPriorHistory_ContinuesEpochNumbersAndHistoryFile()
    {
        using var run = new TinyRun();
        var prior = Enumerable.Range(1, 5).Select(e => new EpochRecord { Epoch = e, Loss = 1.0 / e, Accuracy = 0.5, ValLoss = 1.1 / e, ValAccuracy = 0.5, LearningRate = 1e-3, Seconds = 0.1 }).ToArray();
        var result = run.Run(TinyRun.Options(trainTop: 2, epochs: 2), prior: prior);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], result.History.Select(r => r.Epoch));
        Assert.Equal(6, result.FirstFineTuneEpoch);
        var csv = HistoryCsv.Read(Path.Combine(run.Output(), "history.csv"));
        Assert.Equal(result.History.Select(r => r.Epoch), csv.Select(r => r.Epoch));
        Assert.Equal(prior[2].ValLoss, csv[2].ValLoss, 9);
        Assert.True(File.Exists(Path.Combine(run.Output(), "metrics-before.json")));
        Assert.True(File.Exists(Path.Combine(run.Output(), "metrics-after.json")));
        Assert.True(new FileInfo(Path.Combine(run.Output(), "curves.png")).Length > 10_000);
        Assert.True(File.Exists(Path.Combine(run.Output(), "head", "head.onnx")));
    }

    /// <summary>History without the wall-clock column.</summary>
    private static IEnumerable<(int, double, double, double, double, double)> Strip(IEnumerable<EpochRecord> rows) =>
        rows.Select(r => (r.Epoch, r.Loss, r.Accuracy, r.ValLoss, r.ValAccuracy, r.LearningRate));

    private static Dictionary<string, string> Weights(string path) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer.ToDictionary(t => t.Name, t => Convert.ToBase64String(t.RawData.ToByteArray()));
}

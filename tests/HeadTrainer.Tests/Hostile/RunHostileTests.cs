using System.Text.Json;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Tests.Fixtures;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Tests.Hostile;

/// <summary>
/// train-head and evaluate on damaged caches, full disks and a run folder someone else is writing: refuse missing
/// features unless allowed, fail every write point cleanly (no temporary files, the same call resumes), one writer per
/// run folder.
/// </summary>
public sealed class RunHostileTests : IDisposable
{
    private readonly TempDir _dir = new("runhostile");
    private readonly float[][] _centres = Synthetic.Centres(3, 8, 4);

    public void Dispose() => _dir.Dispose();

    private static readonly HeadTrainingOptions Linear = new() { Linear = new LinearOptions { L2 = 0.1 } };

    /// <summary>A cache of 60 train, 15 validation and 30 test rows, in one segment written split by split (one block each).</summary>
    private FeatureSet Cache()
    {
        var train = Synthetic.Rows(_centres, 20, 1, prefix: "t");
        var validation = Synthetic.Rows(_centres, 5, 2, prefix: "v");
        var test = Synthetic.Rows(_centres, 10, 3, prefix: "x");
        return CacheBuilder.Write(_dir.File("cache"), CacheBuilder.Names(3), train, validation, test);
    }

    private static long TrainBlockEnd(FeatureSet set) => 48 + 24 + 60 * (32 + 8 * 4);

    [Fact]
    public void Train_ValidationBlockCutOff_RefusesInsteadOfHoldingOutTrain()
    {
        var set = Cache();
        using (var s = new FileStream(set.Segments.Single(), FileMode.Open)) s.SetLength(TrainBlockEnd(set) + 100); // validation block torn

        var e = Assert.Throws<GraftException>(() => HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, _dir.File("run")));

        Assert.False(e.Interrupted);
        Assert.Contains("lacks features for 15 of 75 images (validation 15 of 15; e.g. ", e.Message);
        Assert.Contains("graft precompute --data /nonexistent/dataset", e.Hint);
        Assert.False(File.Exists(Path.Combine(_dir.File("run"), RunFolder.ConfigFile)));
    }

    [Fact]
    public void Train_SegmentDeleted_Refuses_AllowMissing_TrainsOnTheRestAndRecordsIt()
    {
        var set = Cache();
        var full = set.Segments.Single();
        // Keep the train block only: the validation and test blocks are gone.
        var bytes = File.ReadAllBytes(full)[..(int)TrainBlockEnd(set)];
        File.Delete(full);
        Assert.Throws<GraftException>(() => HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, _dir.File("run")));
        File.WriteAllBytes(full, bytes);

        var result = HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear with { AllowMissing = true }, _dir.File("run"));

        Assert.True(result.Config.AllowMissing);
        Assert.Equal(15, result.Config.Splits.MissingFeatures);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.File("run"), RunFolder.ConfigFile)));
        Assert.True(json.RootElement.GetProperty("allow_missing").GetBoolean());
        Assert.Equal(15, json.RootElement.GetProperty("splits").GetProperty("missing_features").GetInt32());
        // Evaluate reads the test split, whose 30 rows are gone too: refused, then allowed (and then empty: exit 2).
        var eval = Assert.Throws<GraftException>(() => Evaluator.Evaluate(_dir.File("run")));
        Assert.Contains("lacks features for 30 of 30 images (test 30 of 30;", eval.Message);
    }

    [Fact]
    public void Evaluate_TestRowsMissing_RefusesUnlessAllowed()
    {
        var set = Cache();
        HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, _dir.File("run"));
        using (var s = new FileStream(set.Segments.Single(), FileMode.Open)) s.SetLength(s.Length - 1); // the test block torn

        var e = Assert.Throws<GraftException>(() => Evaluator.Evaluate(_dir.File("run")));
        Assert.Contains("test 30 of 30", e.Message);
        Assert.Throws<GraftException>(() => Evaluator.Evaluate(_dir.File("run"), Split.Test, null, allowMissing: true)); // nothing left to evaluate
        Assert.Equal(15, Evaluator.Evaluate(_dir.File("run"), Split.Validation).Metrics.NumExamples);
    }

    [Fact]
    public void Train_DiskFullAtEveryWritePoint_LeavesNoTempFile_AndTheSameCallResumes()
    {
        Cache();
        var count = new FailNthWrite(0);
        TrainingResult first;
        using (WriteFaults.Inject(count)) first = HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, _dir.File("reference"));
        var names = count.Paths.Select(Path.GetFileName).ToList();
        Assert.Equal([RunFolder.ModelFile, RunFolder.HeadOnnxFile, RunFolder.HistoryFile, RunFolder.CurvesFile,
            RunFolder.SummaryTextFile, RunFolder.SummaryJsonFile, RunFolder.ConfigFile], names.Where(n => n != RunFolder.BackboneFile));

        for (var n = 1; n <= names.Count; n++)
        {
            var run = _dir.File($"run{n}");
            var e = Record.Exception(() =>
            {
                using (WriteFaults.Inject(new FailNthWrite(n))) HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, run);
            });
            Assert.True(DiskFull.Is(e), $"write {n} ({names[n - 1]}): {e}");
            Assert.Empty(Directory.GetFiles(run, "*.tmp"));
            Assert.False(File.Exists(Path.Combine(run, RunFolder.ConfigFile)));

            // No --overwrite: a folder holding only an unfinished run is taken again.
            var resumed = HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, run);
            Assert.Equal(first.Config.ValidationLoss, RunFolder.Load(run).Config.ValidationLoss);
            Assert.Equal(first.Config.ValidationAccuracy, resumed.Config.ValidationAccuracy);
        }
    }

    [Fact]
    public void Evaluate_DiskFullAtEveryWritePoint_LeavesNoTempFile_AndResumes()
    {
        Cache();
        HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, _dir.File("run"));
        var count = new FailNthWrite(0);
        using (WriteFaults.Inject(count)) Evaluator.Evaluate(_dir.File("run"));
        Assert.Equal(["confusion.png", "report.html", "metrics.json"], count.Paths.Select(Path.GetFileName));
        var accuracy = Evaluator.Evaluate(_dir.File("run")).Metrics.Accuracy;
        for (var n = 1; n <= 3; n++)
        {
            foreach (var f in new[] { "confusion.png", "report.html", "metrics.json" }) File.Delete(Path.Combine(_dir.File("run"), f));
            var e = Record.Exception(() =>
            {
                using (WriteFaults.Inject(new FailNthWrite(n))) Evaluator.Evaluate(_dir.File("run"));
            });
            Assert.True(DiskFull.Is(e));
            Assert.Empty(Directory.GetFiles(_dir.File("run"), "*.tmp"));
            Assert.Equal(accuracy, Evaluator.Evaluate(_dir.File("run")).Metrics.Accuracy);
        }
    }

    [Fact]
    public void Train_RunFolderHeldByAnotherWriter_RefusedWithItsPid()
    {
        Cache();
        var run = _dir.File("run");
        Directory.CreateDirectory(run);
        using var other = FileLock.TryAcquire(Path.Combine(run, RunLock.LockFile));
        Assert.NotNull(other);

        var e = Assert.Throws<GraftException>(() => HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, run));
        Assert.False(e.Interrupted);
        Assert.Equal($"{run} is being written by another graft (pid {Environment.ProcessId}).", e.Message);

        other!.Dispose();
        HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, run);
        using (var held = FileLock.TryAcquire(Path.Combine(run, RunLock.LockFile)))
        {
            Assert.NotNull(held);
            var busy = Assert.Throws<GraftException>(() => Evaluator.Evaluate(run)); // evaluate writes into the run too
            Assert.Contains("is being written by another graft", busy.Message);
        }
        Evaluator.Evaluate(run);
    }

    [Fact]
    public void Train_TwoAtOnceIntoOneFolder_OneWinsTheOtherGetsAUserError()
    {
        Cache();
        var run = _dir.File("run");
        var outcomes = new Exception?[4];
        Parallel.For(0, 4, i => outcomes[i] = Record.Exception(() => HeadTraining.Train(FeatureStore.Open(_dir.File("cache")), null, Linear, run)));
        Assert.Equal(1, outcomes.Count(o => o is null));
        Assert.All(outcomes.OfType<Exception>(), o => Assert.False(Assert.IsType<GraftException>(o).Interrupted));
    }
}

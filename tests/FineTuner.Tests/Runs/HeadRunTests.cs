using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Runs;
using Graft.FineTuner.Tests.Fixtures;
using Graft.FineTuner.Tests.Training;
using Graft.HeadTrainer;
using Graft.HeadTrainer.Deployment;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Runs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Runs;

/// <summary>The seed's two phases end to end on the tiny backbone: precompute, the head trainer's MLP head, then
/// fine-tuning of its run — and the head trainer's evaluate/predict/export on the fine-tuned run, unchanged.</summary>
public sealed class HeadRunTests
{
    [Fact]
    public void Execute_MlpHeadRun_ContinuesItAndLeavesARunTheHeadTrainerReads()
    {
        using var folder = new TempDir();
        var (_, run) = TrainHead(folder, new HeadTrainingOptions
        {
            Head = HeadKind.Mlp,
            Seed = 3,
            Mlp = new MlpOptions { Hidden = 8, MaxEpochs = 4, EarlyStopping = false },
        });
        Assert.Equal(4, RunFolder.Load(run).History.Count);

        var options = TinyRun.Options(trainTop: 4, epochs: 2) with { BoundaryCacheDirectory = folder.File("boundary") };
        var (result, fineTuned) = FineTuneRun.Execute(run, options);

        Assert.Equal(5, result.FirstFineTuneEpoch);
        Assert.Equal(0.5f, HeadRun.Load(run).Head.Layers[^1].DropoutBefore);
        Assert.Equal([1, 2, 3, 4, 5, 6], RunFolder.Load(run).History.Select(r => r.Epoch));
        Assert.Equal(4, HistoryCsv.Read(Path.Combine(run, HeadRun.OutputFolder, "history-head.csv")).Count);
        Assert.True(File.Exists(Path.Combine(run, "curves.png")));

        // RUN/finetune is a run folder: evaluated before and after on the test split with the head trainer's evaluator…
        var ft = RunFolder.Load(fineTuned.Directory);
        Assert.Equal(result.WrittenBackbone.Sha256, ft.Config.Backbone.ModelSha256);
        Assert.Equal(Split.Test, fineTuned.After!.Split);
        Assert.Equal(8, fineTuned.After.Metrics.NumExamples);
        Assert.True(File.Exists(Path.Combine(run, "metrics.json")));
        Assert.True(File.Exists(Path.Combine(fineTuned.Directory, "report.html")));
        // …and equals the fine-tuner's own evaluation of the same weights (ONNX Runtime features + ML.NET head vs TorchSharp).
        Assert.Equal(result.After!.Accuracy, fineTuned.After.Metrics.Accuracy, 6);
        Assert.Equal(result.After.Loss, fineTuned.After.Metrics.LogLoss, 3);

        // predict and export read it like any run.
        using (var classifier = ImageClassifier.Open(fineTuned.Directory, new BackboneRunOptions { Device = ExecutionDevice.Cpu }))
        {
            var predictions = classifier.Predict(Directory.GetFiles(Path.Combine(folder.File("data"), "test", "red")), topK: 2);
            Assert.Equal(4, predictions.Count);
        }
        var exported = ClassifierExport.Export(fineTuned.Directory, Graft.HeadTrainer.Deployment.ExportFormat.Onnx, folder.File("classifier.onnx"));
        Assert.True(File.Exists(exported));

        // Running the same command again finds the run finished instead of appending rows twice.
        FineTuneRun.Execute(run, options, evaluate: false);
        Assert.Equal(6, RunFolder.Load(run).History.Count);

        // Deleting RUN/finetune by hand starts fine-tuning over from the head's 4 epochs, not from the 6 rows in history.csv.
        Directory.Delete(Path.Combine(run, HeadRun.OutputFolder), recursive: true);
        FineTuneRun.Execute(run, options, evaluate: false);
        Assert.Equal([1, 2, 3, 4, 5, 6], RunFolder.Load(run).History.Select(r => r.Epoch));
    }

    [Fact]
    public void Execute_HoldOutRun_FineTunedFeatureSetKeepsTheCachesSplits()
    {
        using var folder = new TempDir();
        var (store, run) = TrainHead(folder, new HeadTrainingOptions
        {
            Head = HeadKind.Linear,
            Seed = 3,
            HoldOutValidation = true,
            ValidationFraction = 0.25,
        });
        Assert.Equal(4, HeadRun.Load(run).Items.Count(i => i.Split == Split.Validation)); // the hold-out: 2 of 8 per class

        var options = TinyRun.Options(trainTop: 4, epochs: 1) with { BoundaryCacheDirectory = folder.File("boundary") };
        var (_, fineTuned) = FineTuneRun.Execute(run, options);

        // The new feature set mirrors the cache's: 16 train, 8 validation, 8 test — not the fine-tuner's relabelled rows.
        var set = store.Sets.Single(s => s.Id == RunFolder.Load(fineTuned.Directory).Config.FeatureSetId);
        var splits = set.LoadManifest().Items.GroupBy(i => i.Split).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["train"] = 16, ["validation"] = 8, ["test"] = 8 }, splits);
        var before = Graft.HeadTrainer.Evaluation.Evaluator.Evaluate(run, Split.Validation);
        var after = Graft.HeadTrainer.Evaluation.Evaluator.Evaluate(fineTuned.Directory, Split.Validation);
        Assert.Equal(8, before.Metrics.NumExamples);
        Assert.Equal(8, after.Metrics.NumExamples);
    }

    [Fact]
    public void Execute_CacheMovedAndGivenWithCache_IsUsedAfterTrainingTooAndFeaturesComeFromTheBoundary()
    {
        using var folder = new TempDir();
        var (store, run) = TrainHead(folder, new HeadTrainingOptions { Head = HeadKind.Linear, Seed = 3 });
        var moved = folder.File("moved-cache");
        Directory.Move(store.Root, moved);

        var messages = new List<string>();
        var options = TinyRun.Options(trainTop: 4, epochs: 1) with { BoundaryCacheDirectory = folder.File("boundary") };
        var (_, fineTuned) = FineTuneRun.Execute(run, options, new HeadRunSources { Cache = moved }, evaluate: true,
            new SyncProgress(p => { if (p.Message is { } m) messages.Add(m); }));

        var config = RunFolder.Load(fineTuned.Directory).Config;
        Assert.Equal(Path.GetFullPath(moved), config.Cache);
        Assert.Contains(FeatureStore.Open(moved).Sets, s => s.Id == config.FeatureSetId);
        Assert.Equal(8, fineTuned.Before!.Metrics.NumExamples);
        Assert.Equal(8, fineTuned.After!.Metrics.NumExamples);
        // Every image's fine-tuned features came from its cached boundary activations; none ran the whole backbone.
        Assert.Contains(messages, m => m.StartsWith("seeded 32 fine-tuned feature rows from the boundary cache", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(", 0 computed by a full forward", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ImageChangedSinceFeatures_IsRefusedOnRead()
    {
        using var folder = new TempDir();
        WriteImages(folder.File("data"), perClass: 2);
        var dataset = DatasetLoader.Load(folder.File("data"));
        var entries = dataset.Items.Select(i => new ManifestEntry(i.Id, i.Split.ToName(), i.Label, ContentHash.Of(i.Read()).ToString())).ToList();
        var manifest = new DatasetManifest
        {
            ShardIndex = 0, ShardCount = 1, DatasetRoot = dataset.Root, DatasetFormat = dataset.Format.ToString(), SplitSource = dataset.SplitSource,
            ClassNames = dataset.ClassNames, CreatedUtc = DateTime.UtcNow, Items = entries,
        };
        var items = FineTuneItems.FromManifest(manifest);
        File.WriteAllBytes(Path.Combine(dataset.Root, dataset.Items[0].Id), File.ReadAllBytes(Path.Combine(dataset.Root, dataset.Items[1].Id)));
        var e = Assert.Throws<GraftException>(() => items.First(i => i.Id == dataset.Items[0].Id).Read());
        Assert.Contains("changed", e.Message);
    }

    /// <summary>Images in FOLDER/data, the tiny backbone's features in FOLDER/cache, a head trained on them in FOLDER/run.</summary>
    [Fact]
    public void Execute_RunHeldByAnotherGraftOrFeaturesMissing_RefusedBeforeAnyTraining()
    {
        using var folder = new TempDir();
        var (store, run) = TrainHead(folder, new HeadTrainingOptions { Head = HeadKind.Linear, Seed = 3 });
        var options = TinyRun.Options(trainTop: 4, epochs: 1) with { BoundaryCacheDirectory = folder.File("boundary") };

        using (var held = FileLock.TryAcquire(Path.Combine(run, RunLock.LockFile)))
        {
            Assert.NotNull(held);
            var busy = Assert.Throws<GraftException>(() => FineTuneRun.Execute(run, options, evaluate: false));
            Assert.Equal($"{run} is being written by another graft (pid {Environment.ProcessId}).", busy.Message);
        }

        var set = store.Select();
        using (var s = new FileStream(set.Segments.Single(), FileMode.Open)) s.SetLength(s.Length - 1); // the last block torn
        var e = Assert.Throws<GraftException>(() => FineTuneRun.Execute(run, options, evaluate: false));
        Assert.Contains("lacks features for", e.Message);
        Assert.Contains("--allow-missing", e.Hint);
        Assert.Empty(Directory.GetFiles(Path.Combine(run, HeadRun.OutputFolder), "epoch-*.bin", SearchOption.AllDirectories));

        var (result, _) = FineTuneRun.Execute(run, options, new HeadRunSources { AllowMissing = true }, evaluate: false);
        Assert.Equal(1, result.History.Count(r => r.Epoch >= result.FirstFineTuneEpoch));
    }

    private static (FeatureStore Store, string Run) TrainHead(TempDir folder, HeadTrainingOptions options)
    {
        var descriptor = TinyBackbone.Write(folder.File("models"));
        WriteImages(folder.File("data"));
        var store = FeatureStore.OpenOrCreate(folder.File("cache"));
        FeaturePrecomputer.Run(DatasetLoader.Load(folder.File("data")), descriptor, store, new PrecomputeOptions { Device = ExecutionDevice.Cpu, FlushToDisk = false });
        var run = folder.File("run");
        // An absolute model path: the head trainer copies the descriptor into the run as backbone.json.
        HeadTraining.Train(store, null, options with
        {
            Backbone = descriptor with { Model = new ModelFileSource { Path = Path.Combine(folder.File("models"), "tiny.onnx") } },
        }, run);
        return (store, run);
    }

    /// <summary>train/validation/test folders of 20×20 PNGs in two classes (reddish, bluish).</summary>
    private static void WriteImages(string root, int perClass = 8)
    {
        var rng = new Random(4);
        foreach (var split in new[] { "train", "validation", "test" })
            foreach (var (name, red) in new[] { ("blue", false), ("red", true) })
            {
                var dir = Path.Combine(root, split, name);
                Directory.CreateDirectory(dir);
                for (var i = 0; i < (split == "train" ? perClass : perClass / 2); i++)
                {
                    using var image = new Image<Rgb24>(20, 20);
                    for (var y = 0; y < 20; y++)
                        for (var x = 0; x < 20; x++)
                        {
                            var n = (byte)rng.Next(0, 120);
                            image[x, y] = red ? new Rgb24((byte)(120 + n), (byte)rng.Next(256), n) : new Rgb24(n, (byte)rng.Next(256), (byte)(120 + n));
                        }
                    image.SaveAsPng(Path.Combine(dir, $"{i}.png"));
                }
            }
    }
}

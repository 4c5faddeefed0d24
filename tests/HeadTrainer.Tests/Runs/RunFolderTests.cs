using System.Security.Cryptography;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Store;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Tests.Fixtures;
using Graft.HeadTrainer.Training;
using Microsoft.ML;

namespace Graft.HeadTrainer.Tests.Runs;

public sealed class RunFolderTests : IDisposable
{
    private readonly TempDir _dir = new("run");
    private readonly float[][] _centres = Synthetic.Centres(3, 8, 4);

    public void Dispose() => _dir.Dispose();

    private FeatureStore Cache(string? modelSha256 = null, bool validation = true)
    {
        CacheBuilder.Write(_dir.File("cache"), CacheBuilder.Names(3), Synthetic.Rows(_centres, 20, 1, prefix: "t"),
            validation ? Synthetic.Rows(_centres, 5, 2, prefix: "v") : null, Synthetic.Rows(_centres, 10, 3, prefix: "x"),
            modelSha256: modelSha256);
        return FeatureStore.Open(_dir.File("cache"));
    }

    private static HeadTrainingOptions Mlp => new() { Head = HeadKind.Mlp, Seed = 3, Mlp = new MlpOptions { Hidden = 16, MaxEpochs = 6 } };

    [Fact]
    public void Train_ThenLoad_RoundTripsConfigHistoryAndSummary()
    {
        var result = HeadTraining.Train(Cache(), null, Mlp, _dir.File("run"));

        var run = RunFolder.Load(_dir.File("run"));

        Assert.Equal(RunConfig.FormatName, run.Config.Format);
        Assert.Equal("mlp", run.Config.Head);
        Assert.Equal(3, run.Config.Seed);
        Assert.Equal(result.Config.FeatureSetId, run.Config.FeatureSetId);
        Assert.Equal(new string('a', 64), run.Config.Backbone.ModelSha256);
        Assert.Equal(CacheBuilder.Names(3), run.Config.ClassNames);
        Assert.Equal(60, run.Config.Splits.Train);
        Assert.Equal(15, run.Config.Splits.Validation);
        Assert.Equal(30, run.Config.Splits.Test);
        Assert.Equal(ValidationSource.Split, run.Config.Splits.ValidationSource.Kind);
        Assert.Equal(16, run.Config.Mlp!.Hidden);
        Assert.Null(run.Config.Linear);
        Assert.Equal(result.Config.FeatureSet, run.Config.FeatureSet);
        Assert.Equal(result.History.Select(h => (h.Epoch, h.Loss, h.ValLoss, h.LearningRate)), run.History.Select(h => (h.Epoch, h.Loss, h.ValLoss, h.LearningRate)));
        Assert.Equal(result.Summary.TrainableParameters, run.Summary!.TrainableParameters);
        Assert.Equal(8 * 16 + 16 + 16 * 3 + 3, run.Summary.TrainableParameters);
        Assert.Null(run.Backbone); // the made-up backbone is in no catalog
        Assert.True(File.Exists(run.PathOf(RunFolder.CurvesFile)));
        Assert.NotNull(run.HeadOnnxPath);
        Assert.Contains("Trainable params: 195", File.ReadAllText(run.PathOf(RunFolder.SummaryTextFile)));
    }

    [Fact]
    public void LoadModel_PredictsLikeTheTrainedHead()
    {
        var result = HeadTraining.Train(Cache(), null, Mlp, _dir.File("run"));
        var rows = Synthetic.Rows(_centres, 4, 9, prefix: "q");
        var view = new FeatureDataView(rows, 3);

        var model = RunFolder.Load(_dir.File("run")).LoadModel(new MLContext(1));

        Assert.Equal(ScoreReader.Read(result.Head.Model.Transform(view), 3), ScoreReader.Read(model.Transform(view), 3));
    }

    [Fact]
    public void Train_NoValidationSplit_ConfigRecordsTheHoldOut()
    {
        HeadTraining.Train(Cache(validation: false), null, Mlp with { ValidationFraction = 0.2 }, _dir.File("run"));

        var source = RunFolder.Load(_dir.File("run")).Config.Splits.ValidationSource;

        Assert.Equal(ValidationSource.HoldOut, source.Kind);
        Assert.Equal(0.2, source.Fraction);
        Assert.Equal(3, source.Seed);
        Assert.Equal(12, source.Count);
    }

    [Fact]
    public void Train_BackboneGiven_CopiesDescriptorAndCountsOnnxParameters()
    {
        // A "backbone" ONNX file: any graph whose initializers we know (a 8→5→3 MLP: 8·5 + 5 + 5·3 + 3 = 63 floats).
        var onnx = _dir.File("tiny.onnx");
        var random = new Random(1);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
        HeadOnnx.Write(new HeadWeights([new DenseLayer(8, 5, R(40), R(5), true), new DenseLayer(5, 3, R(15), R(3), false)]), onnx);
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(onnx)));
        var descriptor = new BackboneDescriptor
        {
            Name = "tiny",
            Model = new ModelFileSource { Path = onnx },
            Sha256 = sha,
            Input = new BackboneInput { Name = "Features" },
            Preprocess = new PreprocessSpec { Width = 8, Height = 8 },
            Output = new BackboneOutput { Name = "Score", Dimension = 8 },
        };

        var result = HeadTraining.Train(Cache(sha), null, Mlp with { Backbone = descriptor }, _dir.File("run"));
        var run = RunFolder.Load(_dir.File("run"));

        Assert.Equal(63, result.Config.Backbone.Parameters);
        Assert.Equal(RunFolder.BackboneFile, run.Config.Backbone.DescriptorFile);
        Assert.Equal(sha, run.Backbone!.Sha256);
        Assert.Equal(63, run.Summary!.NonTrainableParameters);
        Assert.Equal(63 + 195, run.Summary.TotalParameters);
    }

    [Fact]
    public void Train_BackboneDescriptorOfAnotherModel_IsNotRecorded()
    {
        var onnx = _dir.File("other.onnx");
        HeadOnnx.Write(new HeadWeights([new DenseLayer(2, 2, [1, 0, 0, 1], [0, 0], false)]), onnx);
        var descriptor = new BackboneDescriptor
        {
            Name = "tiny",
            Model = new ModelFileSource { Path = onnx },
            Input = new BackboneInput { Name = "Features" },
            Preprocess = new PreprocessSpec { Width = 8, Height = 8 },
            Output = new BackboneOutput { Name = "Score", Dimension = 8 },
        };

        var result = HeadTraining.Train(Cache(), null, Mlp with { Backbone = descriptor }, _dir.File("run"));

        Assert.Null(result.Config.Backbone.DescriptorFile);
        Assert.Null(result.Config.Backbone.Parameters);
        Assert.False(File.Exists(Path.Combine(_dir.File("run"), RunFolder.BackboneFile)));
    }

    [Fact]
    public void Train_RunFolderNotEmpty_RefusesUnlessOverwrite()
    {
        var store = Cache();
        HeadTraining.Train(store, null, Mlp, _dir.File("run"));
        var fineTune = Path.Combine(_dir.File("run"), RunFolder.FineTuneFolder);
        Directory.CreateDirectory(fineTune);
        File.WriteAllText(Path.Combine(fineTune, "config.json"), "{}"); // a fine-tuning of the head being replaced
        File.WriteAllText(Path.Combine(_dir.File("run"), "notes.txt"), "the user's");

        var e = Assert.Throws<GraftException>(() => HeadTraining.Train(store, null, Mlp, _dir.File("run")));
        var again = HeadTraining.Train(store, null, Mlp with { Overwrite = true, Head = HeadKind.Linear }, _dir.File("run"));

        Assert.Contains("not empty", e.Message);
        Assert.Equal("linear", RunFolder.Load(_dir.File("run")).Config.Head);
        Assert.False(File.Exists(Path.Combine(again.RunDirectory, "metrics.json")));
        Assert.False(Directory.Exists(fineTune));
        Assert.True(File.Exists(Path.Combine(_dir.File("run"), "notes.txt"))); // only what Graft wrote goes
    }

    [Fact]
    public void Load_FolderWithoutConfig_Throws()
    {
        Directory.CreateDirectory(_dir.File("empty"));

        var e = Assert.Throws<GraftException>(() => RunFolder.Load(_dir.File("empty")));

        Assert.Contains("no finished run", e.Message);
    }

    [Fact]
    public void HistoryCsv_WriteRead_RoundTripsIncludingNaNAndL2()
    {
        EpochRecord[] history =
        [
            new() { Epoch = 1, Loss = 0.5, Accuracy = 0.75, ValLoss = 0.625, ValAccuracy = 0.8, Seconds = 0.1, L2 = 1e-2 },
            new() { Epoch = 2, Loss = 1.0 / 3, Accuracy = 1, ValLoss = double.NaN, ValAccuracy = 0.9, Seconds = 0.2, L2 = 10 },
        ];
        var path = _dir.File("h.csv");

        HistoryCsv.Write(path, history);

        Assert.Equal(history, HistoryCsv.Read(path));
        Assert.StartsWith("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds,l2", File.ReadAllText(path));
    }
}

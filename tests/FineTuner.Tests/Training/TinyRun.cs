using Graft.FeatureCache.Backbones;
using Graft.FineTuner.Tests.Fixtures;
using Graft.FineTuner.Training;
using Graft.HeadTrainer.Training;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;

namespace Graft.FineTuner.Tests.Training;

/// <summary>A fine-tuning run of the tiny backbone in a temp folder.</summary>
internal sealed class TinyRun : IDisposable
{
    private readonly TempDir _folder = new();

    public TinyRun()
    {
        Backbone = TinyBackbone.Write(_folder.File("models"));
        Items = TinyBackbone.Items();
    }

    public BackboneDescriptor Backbone { get; }

    public IReadOnlyList<FineTuneItem> Items { get; }

    public string Folder => _folder.Path;

    public static FineTuneOptions Options(int? trainTop = 4, int epochs = 3) => new()
    {
        TrainTop = trainTop,
        Epochs = epochs,
        LearningRate = 3e-3,
        BackboneLearningRateMultiplier = 0.5,
        BatchSize = 8,
        Patience = 0,
        Seed = 17,
        Device = "cpu",
        // The tiny tests check exact equalities (cache vs full forward, resume); augmentation is tested on its own.
        Augment = AugmentPolicy.None,
    };

    public FineTuneResult Run(FineTuneOptions options, string output = "out", CancellationToken cancel = default,
        IProgress<FineTuneProgress>? progress = null, IReadOnlyList<EpochRecord>? prior = null)
    {
        options = options with { BoundaryCacheDirectory = options.BoundaryCacheDirectory ?? _folder.File("boundary") };
        return FineTuneTrainer.Run(new FineTuneInputs
        {
            Backbone = Backbone,
            Head = TinyBackbone.Head(),
            Items = Items,
            PriorHistory = prior ?? [],
            OutputDirectory = _folder.File(output),
        }, options, progress, cancel);
    }

    public string Output(string output = "out") => _folder.File(output);

    public void Dispose() => _folder.Dispose();
}

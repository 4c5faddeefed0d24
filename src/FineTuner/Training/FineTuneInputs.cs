using Graft.HeadTrainer.Training;
using Graft.FeatureCache.Backbones;
using Graft.FineTuner.Heads;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Training;

/// <summary>What a fine-tuning run starts from: the backbone, the trained head, the labelled images, and the
/// head-only history it continues.</summary>
public sealed record FineTuneInputs
{
    public required BackboneDescriptor Backbone { get; init; }

    /// <summary>The head trained on the frozen backbone's features (the seed's first phase).</summary>
    public required IHeadWeights Head { get; init; }

    /// <summary>Train items train, validation items select (early stopping, best weights), test items are only
    /// evaluated, before and after.</summary>
    public required IReadOnlyList<FineTuneItem> Items { get; init; }

    /// <summary>Every image of the cache's feature set with the split the cache gives it, for precomputing the
    /// fine-tuned backbone's features: with a hold-out run, <see cref="Items"/> relabels part of train as validation and
    /// leaves the cache's validation split out, which must not leak into the new feature set's manifest. Null:
    /// <see cref="Items"/>.</summary>
    public IReadOnlyList<FineTuneItem>? DatasetItems { get; init; }

    /// <summary>The head-only epochs (epochs 1…initial_epoch); fine-tuning numbers its epochs after them.</summary>
    public IReadOnlyList<EpochRecord> PriorHistory { get; init; } = [];

    /// <summary>The feature cache the head was trained on, as resolved for this run (<c>--cache</c> when it moved);
    /// everything after training — the fine-tuned feature set, both evaluations — reads and writes this one. Null: the
    /// head run's configured cache.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Folder for checkpoints, metrics, the written backbone and head (e.g. RUN/finetune).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>history.csv rewritten after every epoch with the prior rows and the fine-tuning rows; null:
    /// OutputDirectory/history.csv.</summary>
    public string? HistoryPath { get; init; }

    /// <summary>Name of the written backbone (files NAME.onnx, NAME.json); null: "&lt;backbone&gt;-ft".</summary>
    public string? OutputBackboneName { get; init; }
}

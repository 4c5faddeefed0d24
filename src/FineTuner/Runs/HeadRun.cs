using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Heads;
using Graft.FineTuner.Training;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Runs;

/// <summary>
/// A head-training run folder (<see cref="RunFolder"/>: config.json, backbone.json, head.onnx, history.csv) read into
/// <see cref="FineTuneInputs"/>: the images of the cache's manifest with the run's splits — its seeded validation
/// hold-out reproduced when it had one — the backbone the features came from (hash-checked), the head, and the
/// per-epoch history that fine-tuning continues. Output goes to <c>RUN/finetune</c>; <c>RUN/history.csv</c> and
/// <c>RUN/curves.png</c> are extended in place (the head-only history is kept in <c>RUN/finetune/history-head.csv</c>).
/// </summary>
public static class HeadRun
{
    public const string OutputFolder = RunFolder.FineTuneFolder;

    public static FineTuneInputs Load(string runDirectory, HeadRunSources? sources = null, BackboneCatalog? catalog = null)
    {
        sources ??= new HeadRunSources();
        var run = RunFolder.Load(ModelFileLocator.ExpandHome(runDirectory));
        var config = run.Config;
        var output = Path.Combine(run.Directory, OutputFolder);
        Directory.CreateDirectory(output);

        var cache = Path.GetFullPath(ModelFileLocator.ExpandHome(sources.Cache ?? config.Cache));
        var store = FeatureStore.Open(cache);
        var set = store.Sets.FirstOrDefault(s => s.Id == config.FeatureSetId)
            ?? throw new GraftException($"Cache '{store.Root}' no longer holds the run's feature set {config.FeatureSetId}.",
                "Pass --cache with the cache the head was trained on.");
        var manifest = set.LoadManifest();
        if (!manifest.ClassNames.SequenceEqual(config.ClassNames))
            throw new GraftException("The cache's classes are not the run's.", "Fine-tune with the cache the head was trained on.");
        // The head-only run is evaluated from these features at the end: refuse now, not after hours of training.
        MissingFeatures.Check(set, manifest, set.ReadSplits(manifest), sources.AllowMissing);
        var datasetItems = FineTuneItems.FromManifest(manifest);
        var items = WithRunValidation(datasetItems, config);

        catalog ??= BackboneCatalog.Default();
        var backbone = sources.Backbone is not null ? catalog.Resolve(sources.Backbone)
            : run.Backbone ?? catalog.Resolve(config.Backbone.Id ?? config.Backbone.Name);
        try
        {
            BackboneModelFile.OpenExpecting(backbone, config.Backbone.ModelSha256, "Fine-tune with the backbone the head was trained on (--backbone).");
        }
        catch (GraftException e) when (sources.Backbone is null && !BackboneModelFile.IsPresent(backbone))
        {
            // backbone.json is a copy; a model path relative to the original descriptor does not resolve from the run.
            throw new GraftException($"The run's backbone '{backbone.Name}' cannot be found: {e.Message}",
                "Pass --backbone with its descriptor (the one the features were computed with).");
        }

        var headFile = sources.HeadFile ?? run.HeadOnnxPath
            ?? throw new GraftException($"The run '{run.Directory}' has no {RunFolder.HeadOnnxFile}: its {config.Head} head is not dense layers.",
                "Fine-tune from a linear or mlp head (LightGBM trees have no gradient).");
        var dropout = sources.Dropout ?? (float)(config.Mlp?.Dropout ?? 0);
        var head = HeadOnnxFile.Read(headFile, config.ClassNames, dropout);

        // The head-only history is kept once, so a rerun (or resume) never mistakes fine-tuning rows for head rows.
        var headHistory = Path.Combine(output, "history-head.csv");
        var runHistory = run.PathOf(RunFolder.HistoryFile);
        if (!File.Exists(headHistory) && File.Exists(runHistory))
        {
            // Only the head trainer's epochs: if RUN/finetune was deleted by hand, RUN/history.csv may still hold the
            // rows an earlier fine-tuning appended.
            if (config.Selection.TryGetValue("epochs_run", out var epochsRun) && epochsRun.TryGetInt32(out var headEpochs))
                HistoryCsv.Write(headHistory, HistoryCsv.Read(runHistory).Where(r => r.Epoch <= headEpochs));
            else
                File.Copy(runHistory, headHistory);
        }
        // A linear head's rows are points of its L2 grid, not epochs: fine-tuning then numbers from 1 and keeps its own
        // history.csv, leaving the run's file as the head trainer wrote it.
        var epochs = config.HeadKind == HeadTrainer.HeadKind.Mlp && File.Exists(headHistory);
        var prior = epochs ? HistoryCsv.Read(headHistory) : [];

        return new FineTuneInputs
        {
            Backbone = backbone,
            Head = head,
            Items = items,
            DatasetItems = datasetItems,
            PriorHistory = prior,
            CacheDirectory = cache,
            OutputDirectory = output,
            HistoryPath = epochs ? runHistory : Path.Combine(output, RunFolder.HistoryFile),
        };
    }

    /// <summary>The run's validation rows: the cache's validation split, or the head trainer's seeded stratified
    /// hold-out from train (then any validation split of the cache is left out, as the head run left it).</summary>
    private static IReadOnlyList<FineTuneItem> WithRunValidation(IReadOnlyList<FineTuneItem> items, RunConfig config)
    {
        var source = config.Splits.ValidationSource;
        if (source.Kind != ValidationSource.HoldOut) return items;
        var train = items.Where(i => i.Split == Split.Train).OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
        var rows = new LabeledFeatures(1, new float[train.Count], train.Select(i => i.Label).ToArray(), train.Select(i => i.Id).ToArray());
        var (_, held) = StratifiedHoldOut.Split(rows, source.Fraction ?? 0.1, source.Seed ?? config.Seed);
        var validation = held.Select(i => train[i].Id).ToHashSet(StringComparer.Ordinal);
        return items.Where(i => i.Split != Split.Validation)
            .Select(i => i.Split == Split.Train && validation.Contains(i.Id) ? i with { Split = Split.Validation } : i).ToArray();
    }
}

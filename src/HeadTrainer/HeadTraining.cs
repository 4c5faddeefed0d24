using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Graft.FeatureCache.Store;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Reporting;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;
using Microsoft.ML;

namespace Graft.HeadTrainer;

/// <summary>
/// The one entry point of head training (<c>graft train-head</c>): reads a feature set from a cache, trains the chosen
/// head on its training split with validation-based selection, and writes the run folder (see <see cref="RunFolder"/>).
/// The test split is never read here.
/// </summary>
public static class HeadTraining
{
    /// <summary>Graft's version as recorded in runs (the assembly's informational version).</summary>
    public static string GraftVersion { get; } =
        typeof(HeadTraining).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(HeadTraining).Assembly.GetName().Version?.ToString() ?? "0";

    /// <param name="store">The feature cache.</param>
    /// <param name="featureSetSelector">Backbone name, id or set-id prefix when the cache holds several sets; null for the only one.</param>
    /// <param name="options">Head and hyper-parameters.</param>
    /// <param name="runDirectory">The run folder to write; must be empty or absent unless <see cref="HeadTrainingOptions.Overwrite"/>.</param>
    /// <param name="progress">One report per epoch / grid point.</param>
    /// <param name="cancel">Stops between epochs / grid points; nothing is written for a cancelled run.</param>
    public static TrainingResult Train(FeatureStore store, string? featureSetSelector, HeadTrainingOptions options, string runDirectory,
        IProgress<EpochProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        var set = store.Select(featureSetSelector);
        var data = TrainingDataLoader.Load(set, options);
        using var writing = RunLock.Acquire(runDirectory);
        var directory = RunFolder.Prepare(runDirectory, options.Overwrite);

        var ml = new MLContext(unchecked((int)options.Seed));
        IHeadTrainer trainer = options.Head switch
        {
            HeadKind.Linear => new LinearHead(options.Linear),
            HeadKind.Mlp => new MlpHead(options.Mlp, options.Seed),
            HeadKind.LightGbm => new LightGbmHead(options.LightGbm, options.Seed),
            _ => throw new ArgumentOutOfRangeException(nameof(options)),
        };
        var clock = Stopwatch.StartNew();
        var head = trainer.Fit(ml, new FeatureDataView(data.Train, data.Classes), new FeatureDataView(data.Validation, data.Classes), progress, cancel);
        var seconds = clock.Elapsed.TotalSeconds;
        cancel.ThrowIfCancellationRequested();

        var (backbone, descriptor) = BackboneParameters.Resolve(set.Spec, options.Backbone, set.Backbone);
        var summary = ParameterSummary.For(backbone, head, options);
        var kept = KeptStep(head);
        var keptRecord = head.History.FirstOrDefault(h => h.Epoch == kept) ?? head.History[^1];
        var config = new RunConfig
        {
            GraftVersion = GraftVersion,
            CreatedUtc = DateTime.UtcNow,
            Head = options.Head.ToName(),
            Seed = options.Seed,
            Cache = store.Root,
            FeatureSetId = set.Id,
            FeatureSet = set.Spec,
            Backbone = backbone,
            ClassNames = data.ClassNames,
            Dataset = new RunDataset(data.Manifest.DatasetRoot, data.Manifest.DatasetFormat, data.Manifest.SplitSource),
            Splits = new RunSplits(data.Train.Count, data.Validation.Count, data.TestCount, data.ValidationSource, data.MissingFeatures, data.Skipped),
            Linear = options.Head == HeadKind.Linear ? options.Linear : null,
            Mlp = options.Head == HeadKind.Mlp ? options.Mlp : null,
            LightGbm = options.Head == HeadKind.LightGbm ? options.LightGbm : null,
            Selection = head.Selection.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value, RunConfig.Json)),
            ValidationLoss = keptRecord.ValLoss,
            ValidationAccuracy = keptRecord.ValAccuracy,
            TrainingSeconds = seconds,
            AllowMissing = options.AllowMissing,
        };

        // Every file through a temporary name: a full disk leaves no half file, and the folder (no config.json yet) is
        // taken again by the same command.
        AtomicFile.Write(Path.Combine(directory, RunFolder.ModelFile), tmp => head.Save(ml, tmp));
        AtomicFile.Write(Path.Combine(directory, RunFolder.HeadOnnxFile), tmp => head.WriteOnnx(tmp, data.ClassNames));
        HistoryCsv.Write(Path.Combine(directory, RunFolder.HistoryFile), head.History);
        CurvesPlot.Write(Path.Combine(directory, RunFolder.CurvesFile), head.History, kept);
        if (descriptor is not null) AtomicFile.Write(Path.Combine(directory, RunFolder.BackboneFile), tmp => descriptor.WithAbsolutePaths().Save(tmp));
        AtomicFile.WriteAllText(Path.Combine(directory, RunFolder.SummaryTextFile), summary.ToText());
        AtomicFile.WriteAllText(Path.Combine(directory, RunFolder.SummaryJsonFile), JsonSerializer.Serialize(summary, RunConfig.Json));
        AtomicFile.WriteAllText(Path.Combine(directory, RunFolder.ConfigFile), JsonSerializer.Serialize(config, RunConfig.Json) + "\n");
        return new TrainingResult(directory, config, head, summary);
    }

    /// <summary>The 1-based epoch / grid point whose model was kept.</summary>
    internal static int KeptStep(TrainedHead head) => head.Kind switch
    {
        HeadKind.Linear => head.Selection.TryGetValue("grid_point", out var g) ? Convert.ToInt32(g) : head.History.Count,
        HeadKind.Mlp => head.Selection.TryGetValue("weights_from_epoch", out var e) ? Convert.ToInt32(e) : head.History.Count,
        _ => head.History.Count,
    };
}

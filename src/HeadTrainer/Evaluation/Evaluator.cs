using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;
using Graft.HeadTrainer.Reporting;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;
using Microsoft.ML;

namespace Graft.HeadTrainer.Evaluation;

/// <summary>
/// Evaluates a trained run on one split of its feature cache (<c>graft evaluate</c>; the test split by default) and
/// writes metrics.json, confusion.png and report.html into the run folder (metrics-SPLIT.json etc. for other splits).
/// Features must come from the feature set the run was trained on — same backbone model file (SHA-256),
/// preprocessing and dtype — and the cache's classes must be the run's; anything else is refused with a
/// <see cref="GraftException"/>.
/// </summary>
public static class Evaluator
{
    /// <summary>Misclassified images shown in the report (most confident mistakes first).</summary>
    public const int ReportImages = 48;

    /// <summary>Longest side of a report thumbnail, pixels.</summary>
    public const int ThumbnailSize = 112;

    /// <param name="runDirectory">A folder written by <see cref="HeadTraining.Train"/>.</param>
    /// <param name="split">The split to evaluate.</param>
    /// <param name="cacheOverride">Read features from this cache instead of the one recorded in the run.</param>
    /// <param name="allowMissing">Evaluate without the images whose features are missing or damaged instead of refusing.</param>
    public static EvaluationReport Evaluate(string runDirectory, Split split = Split.Test, string? cacheOverride = null, bool allowMissing = false)
    {
        var run = RunFolder.Load(runDirectory);
        using var writing = RunLock.Acquire(run.Directory);
        var config = run.Config;
        var store = FeatureStore.Open(cacheOverride ?? config.Cache);
        var set = FindSet(store, config);
        var manifest = set.LoadManifest();
        if (!manifest.ClassNames.SequenceEqual(config.ClassNames))
            throw new GraftException(
                $"The cache's classes ({string.Join(", ", manifest.ClassNames)}) are not the run's ({string.Join(", ", config.ClassNames)}).",
                "Evaluate on a cache of the dataset the head was trained on.");
        var read = set.ReadSplits(manifest, [split]);
        MissingFeatures.Check(set, manifest, read, allowMissing);
        var rows = TrainingDataLoader.ToLabeled(read.Splits[split]);
        if (rows.Count == 0)
            throw new GraftException($"The cache has no {split.ToName()} split to evaluate{(read.Missing.Count > 0 ? $" ({read.Missing.Count} images without features)" : "")}.",
                split == Split.Test ? "Evaluate another split: --split validation." : "Choose a split the dataset has.");

        var classes = config.ClassNames.Count;
        var ml = new MLContext(unchecked((int)config.Seed));
        var model = run.LoadModel(ml);
        var probabilities = ScoreReader.Read(model.Transform(new FeatureDataView(rows, classes)), classes);
        var metrics = ClassificationMetrics.Compute(probabilities, rows.Labels, config.ClassNames);
        var misclassified = Misclassified(probabilities, rows, config.ClassNames);

        var confusionPath = run.PathOf(RunFolder.ConfusionFile(split));
        var confusionPng = ConfusionPlot.Render(metrics.ToMatrix(), config.ClassNames,
            $"{config.Head} head, {split.ToName()} split: accuracy {metrics.Accuracy:P1}");
        AtomicFile.WriteAllBytes(confusionPath, confusionPng);

        var shown = misclassified.Take(ReportImages).Select(x => x.Id).ToList();
        var thumbnails = Thumbnails.Load(manifest.DatasetRoot, manifest.DatasetFormat, shown, ThumbnailSize, out var note);
        var warning = Warning(split, config);
        var reportPath = run.PathOf(RunFolder.ReportFile(split));
        var curvesPath = run.PathOf(RunFolder.CurvesFile);
        AtomicFile.WriteAllText(reportPath, HtmlReport.Render(new ReportContent
        {
            Run = config,
            Split = split.ToName(),
            Metrics = metrics,
            CurvesPng = File.Exists(curvesPath) ? File.ReadAllBytes(curvesPath) : null,
            ConfusionPng = confusionPng,
            Misclassified = misclassified.Take(ReportImages).ToList(),
            Thumbnails = thumbnails,
            ThumbnailNote = note,
            Warning = warning,
        }));

        var report = new EvaluationReport
        {
            RunDirectory = run.Directory,
            Split = split,
            Metrics = metrics,
            Misclassified = misclassified,
            FeatureSetId = set.Id,
            Cache = store.Root,
            EvaluatedUtc = DateTime.UtcNow,
            Warning = warning,
            MissingFeatures = read.Missing.Count,
            MetricsPath = run.PathOf(RunFolder.MetricsFile(split)),
            ConfusionPath = confusionPath,
            ReportPath = reportPath,
            ThumbnailNote = note,
        };
        AtomicFile.WriteAllText(report.MetricsPath, report.ToJson());
        return report;
    }

    /// <summary>
    /// The run's feature set in <paramref name="store"/>. A cache without it gets an error that says whether its
    /// features come from another backbone model (different SHA-256) or from the same model with other
    /// preprocessing or dtype.
    /// </summary>
    internal static FeatureSet FindSet(FeatureStore store, RunConfig config)
    {
        var sets = store.Sets;
        var set = sets.FirstOrDefault(s => s.Id == config.FeatureSetId);
        var runModel = config.Backbone.ModelSha256;
        if (set is not null && string.Equals(set.Spec.ModelSha256, runModel, StringComparison.OrdinalIgnoreCase)) return set;
        var present = sets.Count == 0 ? "no features" : string.Join("; ", sets.Select(s => $"{s.Spec.BackboneName} (model sha256 {Short(s.Spec.ModelSha256)}, set {s.Id})"));
        if (!sets.Any(s => string.Equals(s.Spec.ModelSha256, runModel, StringComparison.OrdinalIgnoreCase)))
            throw new GraftException(
                $"Cache '{store.Root}' holds features from a different backbone than the run: the run was trained on {config.Backbone.Name} features " +
                $"(model sha256 {Short(runModel)}), the cache has {present}.",
                $"Evaluate with the cache the run was trained from ({config.Cache}), or precompute the dataset with the run's backbone ({config.Backbone.Name}).");
        throw new GraftException(
            $"Cache '{store.Root}' has {config.Backbone.Name} features, but made with other preprocessing or dtype than the run's (set {config.FeatureSetId}); it has {present}.",
            "Precompute with the same backbone descriptor and --dtype as the features the run was trained on.");
    }

    private static List<Misclassification> Misclassified(float[] probabilities, LabeledFeatures rows, IReadOnlyList<string> names)
    {
        var c = names.Count;
        var list = new List<Misclassification>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = probabilities.AsSpan(i * c, c);
            var p = ProbabilityMetrics.ArgMax(row);
            if (p != rows.Labels[i]) list.Add(new Misclassification(rows.Ids[i], names[rows.Labels[i]], names[p], row[p]));
        }
        return list.OrderByDescending(x => x.Confidence).ThenBy(x => x.Id, StringComparer.Ordinal).ToList();
    }

    private static string? Warning(Split split, RunConfig config) => split switch
    {
        Split.Train => "This is the training split: the head was fitted on these images, so these numbers are optimistic.",
        Split.Validation when config.Splits.ValidationSource.Kind == ValidationSource.Split =>
            "The validation split chose this model (L2 strength / early-stopping epoch / boosting rounds), so its numbers are " +
            "slightly optimistic; the test split gives the unbiased estimate.",
        _ => null,
    };

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;
}

using System.Text.Json;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.HeadTrainer.Training;
using Microsoft.ML;

namespace Graft.HeadTrainer.Runs;

/// <summary>
/// A run folder (<c>--out RUNDIR</c>), read back. Layout:
/// <code>
/// config.json      RunConfig: everything to reproduce the run; written last (its presence marks a finished run)
/// backbone.json    the backbone descriptor that made the features (when it was found)
/// model.zip        the ML.NET model: Features → Score, PredictedLabel (mlContext.Model.Load reads it)
/// head.onnx        the head as an ONNX graph: Features [N, D] → Score [N, C]
/// history.csv      per epoch (mlp) / per L2 grid point (linear) / one row (lightgbm)
/// curves.png       loss and accuracy, training vs validation
/// summary.txt/.json parameter counts: frozen backbone vs trainable head
/// metrics.json, confusion.png, report.html           written by evaluation of the test split
/// metrics-SPLIT.json, confusion-SPLIT.png, report-SPLIT.html   for the other splits
/// </code>
/// </summary>
public sealed class RunFolder
{
    public const string ConfigFile = "config.json";
    public const string BackboneFile = "backbone.json";
    public const string ModelFile = "model.zip";
    public const string HeadOnnxFile = "head.onnx";
    public const string HistoryFile = "history.csv";
    public const string CurvesFile = "curves.png";
    public const string SummaryTextFile = "summary.txt";
    public const string SummaryJsonFile = "summary.json";

    /// <summary>Where <c>graft finetune</c> continues this run (checkpoints, the fine-tuned backbone and head). It
    /// belongs to the run's head: replacing the run replaces it too.</summary>
    public const string FineTuneFolder = "finetune";

    private RunFolder(string directory, RunConfig config)
    {
        Directory = directory;
        Config = config;
    }

    public string Directory { get; }

    public RunConfig Config { get; }

    /// <summary>Reads config.json of the run in <paramref name="directory"/>; throws <see cref="GraftException"/> when
    /// the folder holds no finished run.</summary>
    public static RunFolder Load(string directory)
    {
        var full = System.IO.Path.GetFullPath(directory);
        var file = System.IO.Path.Combine(full, ConfigFile);
        if (!File.Exists(file))
            throw new GraftException(System.IO.Directory.Exists(full)
                    ? $"'{full}' holds no finished run (no {ConfigFile})."
                    : $"Run folder '{full}' does not exist.",
                "Train a head first: graft train-head --cache DIR --out RUNDIR.");
        RunConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<RunConfig>(File.ReadAllText(file), RunConfig.Json);
        }
        catch (JsonException e)
        {
            throw new GraftException($"'{file}' is damaged: {e.Message}", "Train the head again into this folder (--overwrite).");
        }
        if (config is null || config.Format != RunConfig.FormatName)
            throw new GraftException($"'{file}' is not a Graft run config (format {config?.Format ?? "none"}).");
        return new RunFolder(full, config);
    }

    /// <summary>Full path of a file of the run.</summary>
    public string PathOf(string file) => System.IO.Path.Combine(Directory, file);

    /// <summary>The backbone descriptor copied into the run; null when none was found at training time.</summary>
    public BackboneDescriptor? Backbone => File.Exists(PathOf(BackboneFile)) ? BackboneDescriptor.Load(PathOf(BackboneFile)) : null;

    public IReadOnlyList<EpochRecord> History => File.Exists(PathOf(HistoryFile)) ? HistoryCsv.Read(PathOf(HistoryFile)) : [];

    public ParameterSummary? Summary => File.Exists(PathOf(SummaryJsonFile))
        ? JsonSerializer.Deserialize<ParameterSummary>(File.ReadAllText(PathOf(SummaryJsonFile)), RunConfig.Json)
        : null;

    /// <summary>head.onnx (Features [N, D] → Score [N, C]); null for a run written before it existed.</summary>
    public string? HeadOnnxPath => File.Exists(PathOf(HeadOnnxFile)) ? PathOf(HeadOnnxFile) : null;

    /// <summary>Loads model.zip (Features → Score, PredictedLabel).</summary>
    public ITransformer LoadModel(MLContext ml)
    {
        var path = PathOf(ModelFile);
        if (!File.Exists(path)) throw new GraftException($"Run '{Directory}' has no {ModelFile}.", "Train the head again into this folder (--overwrite).");
        return ml.Model.Load(path, out _);
    }

    /// <summary>metrics.json for the test split, metrics-SPLIT.json for the others.</summary>
    public static string MetricsFile(Split split) => split == Split.Test ? "metrics.json" : $"metrics-{split.ToName()}.json";

    public static string ConfusionFile(Split split) => split == Split.Test ? "confusion.png" : $"confusion-{split.ToName()}.png";

    public static string ReportFile(Split split) => split == Split.Test ? "report.html" : $"report-{split.ToName()}.html";

    /// <summary>
    /// Makes <paramref name="directory"/> ready for a new run: creates it, or — when it already holds files — refuses
    /// unless <paramref name="overwrite"/>, in which case the files a run writes are deleted (nothing else). A folder
    /// that holds only the leftovers of an unfinished run (no config.json: a full disk or a kill stopped it) is taken
    /// without <paramref name="overwrite"/>, so the same command resumes. Call it holding <see cref="RunLock"/>.
    /// </summary>
    internal static string Prepare(string directory, bool overwrite)
    {
        var full = System.IO.Path.GetFullPath(directory);
        if (File.Exists(full)) throw new GraftException($"Run folder '{full}' is a file.", "Pass a folder for --out.");
        string[] owned = [ConfigFile, BackboneFile, ModelFile, HeadOnnxFile, HistoryFile, CurvesFile, SummaryTextFile, SummaryJsonFile];
        var evaluated = Enum.GetValues<Split>().SelectMany(s => new[] { MetricsFile(s), ConfusionFile(s), ReportFile(s) });
        var entries = System.IO.Directory.Exists(full)
            ? System.IO.Directory.EnumerateFileSystemEntries(full).Select(System.IO.Path.GetFileName).OfType<string>().Where(n => !RunLock.IsLockFile(n)).ToList()
            : [];
        if (entries.Count > 0)
        {
            var unfinished = !entries.Contains(ConfigFile) && entries.All(n => owned.Contains(n) || n.EndsWith(".tmp", StringComparison.Ordinal));
            if (!overwrite && !unfinished)
                throw new GraftException($"Run folder '{full}' is not empty.", "Pass another --out, or --overwrite to replace the run in it.");
            foreach (var f in owned.Concat(evaluated))
                File.Delete(System.IO.Path.Combine(full, f));
            foreach (var tmp in entries.Where(n => n.EndsWith(".tmp", StringComparison.Ordinal)))
                File.Delete(System.IO.Path.Combine(full, tmp));
            // A fine-tuning of the replaced head would otherwise be found "finished" and reported for the new one.
            var fineTune = System.IO.Path.Combine(full, FineTuneFolder);
            if (System.IO.Directory.Exists(fineTune)) System.IO.Directory.Delete(fineTune, recursive: true);
        }
        System.IO.Directory.CreateDirectory(full);
        return full;
    }
}

using System.Text.Json;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Heads;
using Graft.FineTuner.Training;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Reporting;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;
using Microsoft.ML;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Runs;

/// <summary>
/// Makes <c>RUN/finetune</c> a run folder the head trainer's tools read unchanged: the fine-tuned backbone's features
/// are precomputed into the run's cache (a new feature set, keyed by the new model hash), and config.json,
/// backbone.json, model.zip (the fine-tuned head in ML.NET form), head.onnx, summary and curves are written beside the
/// checkpoints. Then the head-only run and the fine-tuned run are evaluated on the same split with the head trainer's
/// evaluator (test split, or validation when there is none): metrics.json, confusion.png and report.html in each.
/// </summary>
public static class FineTunedRunWriter
{
    public static FineTunedRun Write(string runDirectory, FineTuneInputs inputs, FineTuneResult result, FineTuneOptions options,
        bool evaluate = true, IProgress<FineTuneProgress>? progress = null, CancellationToken cancel = default, bool allowMissing = false)
    {
        var parent = RunFolder.Load(runDirectory);
        var config = parent.Config;
        var output = inputs.OutputDirectory;

        // Features of the fine-tuned backbone, for the same images and splits as the cache's own set (not the
        // fine-tuner's hold-out relabelling), in the run's cache: evaluate then reads the same rows for both runs.
        var ft = result.WrittenBackbone;
        var descriptor = ft.Descriptor with { Model = new ModelFileSource { Path = Path.GetRelativePath(output, ft.ModelPath) } };
        AtomicFile.Write(Path.Combine(output, RunFolder.BackboneFile), descriptor.Save);
        var cache = inputs.CacheDirectory ?? config.Cache;
        var store = FeatureStore.Open(cache);
        var dataset = new ImageDataset(config.Dataset.Root, Enum.Parse<DatasetFormat>(config.Dataset.Format, ignoreCase: true), config.ClassNames,
            (inputs.DatasetItems ?? inputs.Items).Select(i => new DatasetItem(i.Id, i.Label, i.Split, i.Read)).ToArray(), config.Dataset.SplitSource);
        var spec = FeatureSetSpec.For(ft.Descriptor, ft.Sha256, config.FeatureSet.DType);
        if (result.Features is { } seeded) Seed(store.GetOrCreate(spec), seeded, progress);
        Say(progress, $"precomputing the fine-tuned backbone's features into {store.Root} ({dataset.Items.Count} images"
            + (result.Features is null ? ")" : "; those seeded from the boundary cache are only hashed)"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var summary = FeaturePrecomputer.Run(dataset, ft.Descriptor, store, new PrecomputeOptions
        {
            Device = ExecutionDevice.Parse(options.Device),
            DType = config.FeatureSet.DType,
            BatchSize = options.BatchSize,
        }, null, cancel);
        if (summary.Interrupted) throw new OperationCanceledException(cancel);
        Say(progress, $"fine-tuned features: {summary.Reused} from the boundary cache or reused, {summary.Computed} computed by a full forward ({clock.Elapsed.TotalSeconds:F1} s)");

        var head = DenseHead.Load(result.HeadDirectory).FoldNormalization();
        var weights = new HeadWeights(head.Layers.Select(l => new DenseLayer(l.Inputs, l.Outputs,
            HeadOnnxFile.Transpose(l.Weight, l.Outputs, l.Inputs), l.Bias, l.Activation == HeadActivation.Relu)).ToArray());
        var ml = new MLContext(unchecked((int)config.Seed));
        AtomicFile.Write(Path.Combine(output, RunFolder.ModelFile),
            tmp => ml.Model.Save(MlpHead.Serve(ml, weights), FeatureDataView.InputSchema(weights.InputDimension), tmp));
        AtomicFile.Write(Path.Combine(output, RunFolder.HeadOnnxFile), tmp => HeadOnnx.Write(weights, tmp, config.ClassNames));

        HistoryCsv.Write(Path.Combine(output, RunFolder.HistoryFile), result.History);
        CurvesPlot.Write(Path.Combine(output, RunFolder.CurvesFile), result.History, result.BestEpoch,
            result.FirstFineTuneEpoch > 1 ? result.FirstFineTuneEpoch : null);
        var parameters = Summary(ft.Descriptor.Name, result, head);
        AtomicFile.WriteAllText(Path.Combine(output, RunFolder.SummaryTextFile), parameters.ToText());
        AtomicFile.WriteAllText(Path.Combine(output, RunFolder.SummaryJsonFile), JsonSerializer.Serialize(parameters, RunConfig.Json));

        var kept = result.History.FirstOrDefault(r => r.Epoch == result.BestEpoch) ?? result.History[^1];
        var selection = config.Selection.ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, value) in new Dictionary<string, object?>
        {
            ["finetune_from_run"] = parent.Directory,
            ["finetune_train_top"] = options.TrainTop,
            ["finetune_train_unit"] = FeatureCache.Backbones.BackboneLayers.Word(options.TrainUnit),
            ["finetune_train_from"] = options.TrainFrom,
            ["finetune_first_epoch"] = result.FirstFineTuneEpoch,
            ["finetune_weights_from_epoch"] = result.BestEpoch,
            ["finetune_options"] = options.IdentityText(),
        })
            selection[key] = JsonSerializer.SerializeToElement(value, RunConfig.Json);
        var fineTuned = config with
        {
            Cache = cache,
            CreatedUtc = DateTime.UtcNow,
            FeatureSetId = spec.Id,
            FeatureSet = spec,
            Backbone = new RunBackbone(ft.Descriptor.Name, ft.Descriptor.Id, ft.Sha256, RunFolder.BackboneFile, result.Backbone.Total),
            Selection = selection,
            ValidationLoss = kept.ValLoss,
            ValidationAccuracy = kept.ValAccuracy,
            TrainingSeconds = result.History.Where(r => r.Epoch >= result.FirstFineTuneEpoch).Sum(r => r.Seconds),
        };
        var configPath = Path.Combine(output, RunFolder.ConfigFile);
        AtomicFile.WriteAllText(configPath, JsonSerializer.Serialize(fineTuned, RunConfig.Json) + "\n"); // written last: the folder now holds a finished run

        if (!evaluate) return new FineTunedRun(output, spec.Id, null, null);
        var split = config.Splits.Test > 0 ? Split.Test : Split.Validation;
        Say(progress, $"evaluating the head-only run and the fine-tuned run on the {split.ToName()} split");
        var before = Evaluator.Evaluate(parent.Directory, split, cache, allowMissing);
        var after = Evaluator.Evaluate(output, split, cache, allowMissing);
        return new FineTunedRun(output, spec.Id, before, after);
    }

    /// <summary>Appends features computed from the boundary cache to the fine-tuned feature set (those it lacks), so the
    /// precompute that follows finds them and runs the whole backbone only for images the cache did not hold.</summary>
    private static void Seed(FeatureSet set, BoundaryFeatures features, IProgress<FineTuneProgress>? progress)
    {
        if (features.Dimension != set.Spec.Dimension || features.Hashes.Count == 0) return;
        var present = set.ScanIndex().Hashes;
        var rows = Enumerable.Range(0, features.Hashes.Count).Where(i => !present.Contains(features.Hashes[i])).ToList();
        if (rows.Count == 0) return;
        var hashes = new byte[rows.Count * ContentHash.Size];
        var values = new float[rows.Count * features.Dimension];
        for (var k = 0; k < rows.Count; k++)
        {
            features.Hashes[rows[k]].Write(hashes.AsSpan(k * ContentHash.Size));
            features.Values.AsSpan(rows[k] * features.Dimension, features.Dimension).CopyTo(values.AsSpan(k * features.Dimension));
        }
        using var writer = set.CreateWriter();
        writer.Append(hashes, values);
        Say(progress, $"seeded {rows.Count} fine-tuned feature rows from the boundary cache (only the unfrozen top ran)");
    }

    /// <summary>Keras's summary() for the fine-tuned model: frozen and trainable backbone parts, then the head.</summary>
    private static ParameterSummary Summary(string backbone, FineTuneResult result, DenseHead head)
    {
        var layers = new List<SummaryLayer>
        {
            new($"{backbone} (frozen layers)", "ONNX, frozen", "", result.Backbone.Frozen + result.Backbone.Statistics, Trainable: false),
            new($"{backbone} (fine-tuned layers)", "ONNX, trainable", $"(None, {head.InputDimension})", result.Backbone.Trainable, Trainable: true),
        };
        for (var i = 0; i < head.Layers.Count; i++)
        {
            var l = head.Layers[i];
            layers.Add(new(i == 0 ? "dense" : $"dense_{i}", l.Activation == HeadActivation.Relu ? "Dense, relu" : "Dense, softmax",
                $"(None, {l.Outputs})", (long)l.Weight.Length + l.Bias.Length, Trainable: true));
        }
        return new ParameterSummary { Model = $"{backbone}_finetuned", Layers = layers, BackboneParameters = result.Backbone.Total };
    }

    private static void Say(IProgress<FineTuneProgress>? progress, string line) =>
        progress?.Report(new FineTuneProgress("write", 0, 0, 0, Message: line));
}

using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Export;
using Graft.FineTuner.Heads;
using Graft.HeadTrainer.Reporting;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;
using TorchSharp;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Checkpoints;

namespace Graft.FineTuner.Training;

/// <summary>
/// The seed's part 2 — fine-tune the top layers of the backbone together with the head, continuing the head-only
/// history — plus what the seed lacks: the frozen part computed once (boundary cache), per-epoch checkpoints with an
/// exact resume, a lower learning rate for the backbone, early stopping with the best weights kept, test evaluation
/// before and after, and the result written back as an ONNX backbone with its own descriptor.
/// </summary>
public static class FineTuneTrainer
{
    public static FineTuneResult Run(FineTuneInputs inputs, FineTuneOptions options, IProgress<FineTuneProgress>? progress = null,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var classNames = inputs.Head.ClassNames;
        var bad = inputs.Items.FirstOrDefault(i => i.Label < 0 || i.Label >= classNames.Count);
        if (bad is not null) throw new GraftException($"Image '{bad.Id}' has label {bad.Label}, but the head knows {classNames.Count} classes.");
        var train = inputs.Items.Where(i => i.Split == Split.Train).ToList();
        var validation = inputs.Items.Where(i => i.Split == Split.Validation).ToList();
        var test = inputs.Items.Where(i => i.Split == Split.Test).ToList();
        if (train.Count < 2) throw new GraftException($"Fine-tuning needs training images; the run has {train.Count}.");

        torch.manual_seed(options.Seed);
        Directory.CreateDirectory(inputs.OutputDirectory);
        using var session = FineTuneSession.Create(inputs.Backbone, inputs.Head, options);
        var log = new RunLog(progress, session.Log);

        var checkpoint = new Checkpoint(Path.Combine(inputs.OutputDirectory, "checkpoint"));
        var identity = Identity(session, inputs, options);
        var state = checkpoint.LoadState();
        if (state is not null && state.Identity != identity)
        {
            var was = state.Identity.Split(';');
            var differs = identity.Split(';').Where(part => !was.Contains(part)).Select(part => part.Split('=')[0]);
            throw new GraftException($"'{checkpoint.Directory}' holds a fine-tuning run with other settings ({string.Join(", ", differs)} differ).",
                "Rerun with the same flags to resume it, or delete that folder (or use another output folder) to start afresh.");
        }
        var (feeder, fillSeconds) = FeederSetup.Prepare(session, inputs.Items, options, log.Say, progress, cancel);
        using var optimizer = ParameterOptimizer.Create(options.Optimizer, session.ParameterGroups(options), options.EffectiveWeightDecay);
        var loop = new EpochLoop(session, feeder, optimizer, options);
        var initialEpoch = inputs.PriorHistory.Count == 0 ? 0 : inputs.PriorHistory.Max(r => r.Epoch);
        var evaluated = test.Count > 0 ? test : validation;
        var evaluatedSplit = test.Count > 0 ? Split.Test : Split.Validation;
        var model = $"{inputs.Backbone.Name} + head";

        SplitEvaluation? before = null;
        if (state is null)
        {
            if (evaluated.Count > 0)
            {
                before = loop.Evaluate(evaluated, evaluatedSplit, initialEpoch, progress, cancel);
                EvaluationFile.Write(Path.Combine(inputs.OutputDirectory, "metrics-before.json"), before, classNames, model + " (head-only weights)");
                log.Say($"before fine-tuning: {evaluatedSplit.ToName()} accuracy {before.Accuracy:P2}, loss {before.Loss:F4} ({before.Count} images)");
            }
            state = new CheckpointState(identity, initialEpoch, initialEpoch, [], double.PositiveInfinity, 0, 0, false, null, null);
            // The starting point (the trained head on the frozen backbone) is a candidate in model selection, so
            // fine-tuning ends no worse on validation than not fine-tuning.
            if (validation.Count > 0 && options.KeepBest)
            {
                var start = ReferenceEquals(evaluated, validation) && before is not null ? before : loop.Evaluate(validation, Split.Validation, initialEpoch, progress, cancel);
                state = state with { BestValLoss = start.Loss, BestEpoch = initialEpoch, BestFile = checkpoint.SaveWeights(initialEpoch, session.Model) };
                log.Say($"starting point: val_loss {start.Loss:F4} val_acc {start.Accuracy:P1} (a candidate in model selection)");
            }
        }
        else
        {
            checkpoint.Restore(state.ModelFile!, session.Model, optimizer);
            log.Say($"resuming after epoch {state.LastEpoch} (checkpoint {state.ModelFile})");
        }

        var steps = EpochLoop.StepsPerEpoch(train.Count, options.BatchSize);
        var totalSteps = steps * options.Epochs;
        var warmup = (int)Math.Round(options.WarmupFraction * totalSteps);
        var historyPath = inputs.HistoryPath ?? Path.Combine(inputs.OutputDirectory, "history.csv");
        var lastEpoch = initialEpoch + options.Epochs;
        for (var epoch = state.LastEpoch + 1; epoch <= lastEpoch && !state.Stopped; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var first = (epoch - initialEpoch - 1) * steps;
            var (loss, accuracy, rate) = loop.Train(train, epoch,
                step => LearningRateSchedule.At(options.Schedule, options.LearningRate, Math.Min(first + step, totalSteps - 1), totalSteps, warmup), progress, cancel);
            var val = validation.Count > 0 ? loop.Evaluate(validation, Split.Validation, epoch, progress, cancel) : null;
            var row = new EpochRecord
            {
                Epoch = epoch, Loss = loss, Accuracy = accuracy, ValLoss = val?.Loss ?? double.NaN, ValAccuracy = val?.Accuracy ?? double.NaN,
                LearningRate = rate, Seconds = clock.Elapsed.TotalSeconds,
            };
            var monitored = val?.Loss ?? loss;
            var improved = monitored < state.BestValLoss;
            var without = improved ? 0 : state.EpochsWithoutImprovement + 1;
            var stop = epoch == lastEpoch || options.Patience > 0 && without >= options.Patience;
            state = checkpoint.Save(state with
            {
                LastEpoch = epoch,
                Rows = [.. state.Rows, row],
                BestValLoss = improved ? monitored : state.BestValLoss,
                BestEpoch = improved ? epoch : state.BestEpoch,
                EpochsWithoutImprovement = without,
                Stopped = stop,
            }, session.Model, optimizer, improved);
            HistoryCsv.Write(historyPath, inputs.PriorHistory.Concat(state.Rows));
            log.Say($"epoch {epoch}/{lastEpoch}: loss {loss:F4} acc {accuracy:P1}" + (val is null ? "" : $" val_loss {val.Loss:F4} val_acc {val.Accuracy:P1}")
                + $" lr {rate:G3} ({row.Seconds:F1} s)" + (stop && epoch < lastEpoch ? $" — early stop: no improvement for {without} epochs" : ""));
        }
        HistoryCsv.Write(historyPath, inputs.PriorHistory.Concat(state.Rows));
        var curvesPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(historyPath))!, "curves.png");
        try
        {
            CurvesPlot.Write(curvesPath, inputs.PriorHistory.Concat(state.Rows).ToArray(), state.BestEpoch, initialEpoch > 0 ? initialEpoch + 1 : null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A plot is a report, not a result: a missing font or native library must not lose a finished training run.
            log.Say($"curves.png not written: {e.GetType().Name}: {e.Message}");
        }

        // As Keras's EarlyStopping(restore_best_weights=True), with or without stopping early; --keep last keeps the last epoch.
        var keptStart = false;
        if (options.KeepBest && state.BestFile is not null && state.BestEpoch != state.LastEpoch)
        {
            checkpoint.Restore(state.BestFile, session.Model, optimizer: null);
            keptStart = state.BestEpoch == initialEpoch;
            var metric = validation.Count > 0 ? "val_loss" : "loss";
            log.Say(keptStart
                ? $"kept the starting point: no fine-tuning epoch lowered {metric} below the head-only weights' {state.BestValLoss:F4}"
                : $"restored the weights of epoch {state.BestEpoch} (lowest {metric} {state.BestValLoss:F4})");
        }
        SplitEvaluation? after = null;
        if (evaluated.Count > 0)
        {
            after = loop.Evaluate(evaluated, evaluatedSplit, state.LastEpoch, progress, cancel);
            EvaluationFile.Write(Path.Combine(inputs.OutputDirectory, "metrics-after.json"), after, classNames, model + " (fine-tuned)");
            log.Say($"after fine-tuning: {evaluatedSplit.ToName()} accuracy {after.Accuracy:P2}, loss {after.Loss:F4}");
        }

        var features = loop.Features(inputs.DatasetItems ?? inputs.Items, progress, cancel);
        if (Conversion.CheckedConvolution.Untrusted is { Count: > 0 } wrong)
            log.Say($"libtorch's CPU convolution computed wrong results on this host for {wrong.Count} configuration(s) (e.g. {wrong[0]}); they ran as unfold + matmul");
        progress?.Report(new FineTuneProgress("write", state.LastEpoch, 0, 1));
        var name = inputs.OutputBackboneName ?? $"{inputs.Backbone.Name}-ft";
        var written = OnnxWriteBack.Write(session.Backbone, inputs.Backbone, session.ModelSha256, Path.Combine(inputs.OutputDirectory, "backbone"), name);
        var headDirectory = Path.Combine(inputs.OutputDirectory, "head");
        var finalHead = session.Model.Head.ToWeights();
        finalHead.Save(headDirectory);
        HeadOnnxFile.Write(finalHead, Path.Combine(headDirectory, "head.onnx"));
        log.Say($"wrote {written.ModelPath} (sha256 {written.Sha256[..12]}…) and its descriptor; head in {headDirectory}");

        return new FineTuneResult
        {
            Log = log.Lines,
            Backbone = session.Plan.Counts,
            HeadParameters = session.HeadParameterCount,
            History = inputs.PriorHistory.Concat(state.Rows).ToArray(),
            FirstFineTuneEpoch = initialEpoch + 1,
            BestEpoch = options.KeepBest && state.BestFile is not null ? state.BestEpoch : state.LastEpoch,
            KeptStartingPoint = keptStart,
            StoppedEarly = state.LastEpoch < lastEpoch,
            UsedBoundaryCache = feeder.UsesCache,
            AugmentViews = feeder.ViewCount,
            CacheFillSeconds = fillSeconds,
            Before = before,
            After = after,
            WrittenBackbone = written,
            HeadDirectory = headDirectory,
            Features = features,
        };
    }

    /// <summary>Everything that changes the numbers: model hash, head weights, data (ids, labels, image hashes), options.</summary>
    private static string Identity(FineTuneSession session, FineTuneInputs inputs, FineTuneOptions options)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var head = DenseHead.From(inputs.Head);
        foreach (var layer in head.Layers)
        {
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Weight.AsSpan()));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Bias.AsSpan()));
        }
        foreach (var item in inputs.Items.OrderBy(i => i.Id, StringComparer.Ordinal))
            sha.AppendData(Encoding.UTF8.GetBytes($"{item.Id}|{item.Split}|{item.Label}|{item.Hash}\n"));
        var digest = Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
        return $"model={session.ModelSha256};head+data={digest};{options.IdentityText()}";
    }
}

using Graft.FeatureCache.Datasets;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Graft.FineTuner.Training;

/// <summary>
/// One training epoch and split evaluations. Determinism, so a resumed run equals an uninterrupted one: the epoch's
/// shuffle, each batch's dropout seed and each image's augmentation draw are functions of (seed, epoch, position)
/// only, never of a generator's history.
/// </summary>
internal sealed class EpochLoop
{
    private readonly FineTuneSession _session;
    private readonly BatchFeeder _feeder;
    private readonly ParameterOptimizer _optimizer;
    private readonly FineTuneOptions _options;
    private readonly ImageAugmentation? _augmentation;

    public EpochLoop(FineTuneSession session, BatchFeeder feeder, ParameterOptimizer optimizer, FineTuneOptions options)
    {
        _session = session;
        _feeder = feeder;
        _optimizer = optimizer;
        _options = options;
        _augmentation = options.Augment ? new ImageAugmentation() : null;
    }

    /// <summary>Trains one epoch; returns mean loss and accuracy over the images seen.</summary>
    public (double Loss, double Accuracy) Train(IReadOnlyList<FineTuneItem> items, int epoch, double rate,
        IProgress<FineTuneProgress>? progress, CancellationToken cancel)
    {
        var model = _session.Model;
        model.train();
        var order = Enumerable.Range(0, items.Count).ToArray();
        new Random(Mix(_options.Seed, epoch, 0)).Shuffle(order);
        var batches = order.Chunk(_options.BatchSize).ToList();
        // A last batch of one image cannot train BatchNorm (no variance); it is dropped.
        if (batches.Count > 1 && batches[^1].Length == 1) batches.RemoveAt(batches.Count - 1);
        double lossSum = 0;
        long correct = 0, seen = 0;
        for (var b = 0; b < batches.Count; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var batch = batches[b].Select(i => items[i]).ToArray();
            var seeds = batches[b].Select(i => Mix(_options.Seed, epoch, i + 1)).ToArray();
            torch.manual_seed(Mix(_options.Seed, epoch, -(b + 1)));
            using var scope = NewDisposeScope();
            using var labels = tensor(batch.Select(i => (long)i.Label).ToArray(), device: _session.Device);
            var logits = _feeder.Logits(batch, _augmentation, seeds);
            var loss = F.cross_entropy(logits, labels);
            _optimizer.ZeroGrad();
            loss.backward();
            _optimizer.Step(rate);
            lossSum += loss.item<float>() * batch.Length;
            correct += logits.argmax(1).eq(labels).sum().item<long>();
            seen += batch.Length;
            progress?.Report(new FineTuneProgress("train", epoch, b + 1, batches.Count, lossSum / seen, (double)correct / seen));
        }
        _optimizer.ZeroGrad();
        return (seen == 0 ? double.NaN : lossSum / seen, seen == 0 ? double.NaN : (double)correct / seen);
    }

    /// <summary>Eval-mode loss, accuracy and probabilities over <paramref name="items"/> (in their order).</summary>
    public SplitEvaluation Evaluate(IReadOnlyList<FineTuneItem> items, Split split, int epoch, IProgress<FineTuneProgress>? progress,
        CancellationToken cancel)
    {
        var model = _session.Model;
        var wasTraining = model.training;
        model.eval();
        var classes = model.Head.ClassNames.Count;
        var probabilities = new float[items.Count * classes];
        double lossSum = 0;
        long correct = 0;
        try
        {
            var offset = 0;
            var batches = items.Chunk(_options.BatchSize).ToList();
            for (var b = 0; b < batches.Count; b++)
            {
                cancel.ThrowIfCancellationRequested();
                var batch = batches[b];
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                using var labels = tensor(batch.Select(i => (long)i.Label).ToArray(), device: _session.Device);
                var logits = _feeder.Logits(batch);
                var logProbabilities = logits.log_softmax(1);
                lossSum += F.nll_loss(logProbabilities, labels, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(labels).sum().item<long>();
                Storage.TensorValues.Floats(logProbabilities.exp()).CopyTo(probabilities, offset * classes);
                offset += batch.Length;
                progress?.Report(new FineTuneProgress(split == Split.Test ? "evaluate" : "validate", epoch, b + 1, batches.Count));
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        var n = items.Count;
        return new SplitEvaluation(split, n, n == 0 ? double.NaN : lossSum / n, n == 0 ? double.NaN : (double)correct / n,
            items.Select(i => i.Id).ToArray(), items.Select(i => i.Label).ToArray(), probabilities);
    }

    /// <summary>A 31-bit seed from (seed, epoch, position) by SplitMix64 — stable across processes and runtimes.</summary>
    internal static int Mix(int seed, int epoch, int position)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xBF58476D1CE4E5B9UL + (ulong)(long)position * 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}

using Graft.FeatureCache.Datasets;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;

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
        _augmentation = options.Augmentation;
    }

    /// <summary>Training steps of one epoch over <paramref name="images"/> images.</summary>
    public static int StepsPerEpoch(int images, int batchSize)
    {
        var steps = (images + batchSize - 1) / batchSize;
        // A last batch of one image cannot train BatchNorm (no variance); it is dropped.
        return steps > 1 && images % batchSize == 1 ? steps - 1 : steps;
    }

    /// <summary>Trains one epoch, step s at rate <paramref name="rateAt"/>(s); returns mean loss and accuracy over the
    /// images seen and the last step's rate.</summary>
    public (double Loss, double Accuracy, double Rate) Train(IReadOnlyList<FineTuneItem> items, int epoch, Func<int, double> rateAt,
        IProgress<FineTuneProgress>? progress, CancellationToken cancel, int? maxSteps = null, Func<int, double, bool>? afterStep = null)
    {
        var model = _session.Model;
        model.train();
        var order = Enumerable.Range(0, items.Count).ToArray();
        new Random(Mix(_options.Seed, epoch, 0)).Shuffle(order);
        var batches = order.Chunk(_options.BatchSize).Take(StepsPerEpoch(items.Count, _options.BatchSize)).ToList();
        if (maxSteps is { } max) batches = batches.Take(max).ToList();
        double lossSum = 0, rate = double.NaN;
        long correct = 0, seen = 0;
        for (var b = 0; b < batches.Count; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var batch = batches[b].Select(i => items[i]).ToArray();
            var draw = _augmentation is null ? null : new TrainDraw(_augmentation,
                batches[b].Select(i => Mix(_options.Seed, epoch, i + 1)).ToArray(),
                batch.Select(item => ViewOf(item, epoch)).ToArray());
            torch.manual_seed(Mix(_options.Seed, epoch, -(b + 1)));
            using var scope = NewDisposeScope();
            using var labels = tensor(batch.Select(i => (long)i.Label).ToArray(), device: _session.Device);
            var logits = _feeder.Logits(batch, draw);
            var loss = F.cross_entropy(logits, labels, label_smoothing: _options.LabelSmoothing);
            _optimizer.ZeroGrad();
            loss.backward();
            rate = rateAt(b);
            _optimizer.Step(rate);
            var value = loss.item<float>();
            lossSum += value * batch.Length;
            correct += logits.argmax(1).eq(labels).sum().item<long>();
            seen += batch.Length;
            progress?.Report(new FineTuneProgress("train", epoch, (int)seen, batches.Sum(x => x.Length), lossSum / seen, (double)correct / seen));
            if (afterStep is not null && !afterStep(b, value)) break;
        }
        _optimizer.ZeroGrad();
        return (seen == 0 ? double.NaN : lossSum / seen, seen == 0 ? double.NaN : (double)correct / seen, rate);
    }

    /// <summary>The cached view an item trains on in <paramref name="epoch"/>: a per-image offset from its content
    /// hash, then one view further each epoch, so every view is used before any repeats.</summary>
    private int ViewOf(FineTuneItem item, int epoch)
    {
        var views = _feeder.ViewCount;
        if (views == 0) return 0;
        var offset = Mix(_options.Seed, 0, unchecked((int)item.Hash.A));
        return (int)(((long)offset + epoch) % views);
    }

    /// <summary>The seed of view <paramref name="view"/> of an image: a function of the run's seed, the view and the
    /// image's content only, so the cached views are the same in every run and process that shares them.</summary>
    internal static int ViewSeed(int seed, int view, FineTuneItem item) => Mix(seed, -(view + 1), unchecked((int)(item.Hash.A ^ item.Hash.B)));

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
                progress?.Report(new FineTuneProgress(split == Split.Test ? "evaluate" : "validate", epoch, offset, items.Count));
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

    /// <summary>Pooled backbone features of every distinct image the plain boundary cache holds, in eval mode — the
    /// fine-tuned backbone's features without running its frozen part again. Null without the cache.</summary>
    public BoundaryFeatures? Features(IReadOnlyList<FineTuneItem> items, IProgress<FineTuneProgress>? progress, CancellationToken cancel)
    {
        if (!_feeder.UsesCache) return null;
        var cached = items.DistinctBy(i => i.Hash).Where(_feeder.Holds).ToList();
        var model = _session.Model;
        var wasTraining = model.training;
        model.eval();
        try
        {
            var dimension = 0;
            var features = Array.Empty<float>();
            var done = 0;
            foreach (var batch in cached.Chunk(_options.BatchSize))
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var values = Storage.TensorValues.Floats(_feeder.Features(batch));
                if (dimension == 0)
                {
                    dimension = values.Length / batch.Length;
                    features = new float[cached.Count * dimension];
                }
                values.CopyTo(features, done * dimension);
                done += batch.Length;
                progress?.Report(new FineTuneProgress("features", 0, done, cached.Count));
            }
            return new BoundaryFeatures(cached.Select(i => i.Hash).ToArray(), features, dimension);
        }
        finally
        {
            model.train(wasTraining);
        }
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

using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Boundary;

/// <summary>
/// Turns a batch of items into logits: from cached boundary activations (only the trainable top runs) — the plain
/// view, or for training batches with augmentation one of the cached augmented views — or from images (the whole
/// backbone runs, augmentation drawn afresh). The caller owns the returned tensor.
/// </summary>
internal sealed class BatchFeeder
{
    private readonly FineTuneSession _session;
    private readonly BoundaryCache? _cache;
    private readonly IReadOnlyList<BoundaryCache> _views;
    private readonly long[][] _shapes = [];
    private readonly long[] _sizes = [];

    /// <param name="session">The model and image loader.</param>
    /// <param name="cache">Plain activations of every item, or null to run the whole backbone.</param>
    /// <param name="views">Augmented views of the training items (with <paramref name="cache"/> only).</param>
    public BatchFeeder(FineTuneSession session, BoundaryCache? cache, IReadOnlyList<BoundaryCache>? views = null)
    {
        _session = session;
        _cache = cache;
        _views = views ?? [];
        if (cache is not null)
        {
            _shapes = cache.Shapes?.ToArray() ?? throw new InvalidOperationException("The boundary cache has no shapes yet.");
            _sizes = _shapes.Select(s => s.Aggregate(1L, (a, b) => a * b)).ToArray();
        }
    }

    public bool UsesCache => _cache is not null;

    /// <summary>Augmented views per training image (0: none cached).</summary>
    public int ViewCount => _views.Count;

    /// <summary>Logits of a batch. <paramref name="draw"/> (training batches only) augments: with cached views it names
    /// each item's view, without the cache it seeds each item's fresh draw.</summary>
    public Tensor Logits(IReadOnlyList<FineTuneItem> batch, TrainDraw? draw = null)
    {
        if (_cache is null)
        {
            var length = _session.Loader.TensorLength;
            var data = new float[batch.Count * length];
            _session.Loader.LoadBatch(batch, data, draw?.Augmentation, draw?.Seeds);
            using var images = tensor(data, _session.InputShape(batch.Count), device: _session.Device);
            return _session.Model.forward(images);
        }

        return FromBoundary(batch, draw, _session.Model.ForwardFromBoundary);
    }

    /// <summary>True when the plain boundary cache holds the item's activations.</summary>
    public bool Holds(FineTuneItem item) => _cache is not null && _cache.Contains(item.Hash);

    /// <summary>Pooled features [N, D] of a batch from the plain cached activations (eval mode is the caller's).</summary>
    public Tensor Features(IReadOnlyList<FineTuneItem> batch) =>
        _cache is null ? throw new InvalidOperationException("Features from the boundary need the boundary cache.")
        : FromBoundary(batch, null, _session.Model.FeaturesFromBoundary);

    private Tensor FromBoundary(IReadOnlyList<FineTuneItem> batch, TrainDraw? draw, Func<IReadOnlyList<string>, IReadOnlyList<Tensor>, Tensor> forward)
    {
        var perImage = (int)_sizes.Sum();
        var arrays = _sizes.Select(s => new float[batch.Count * s]).ToArray();
        var buffer = new float[perImage];
        for (var i = 0; i < batch.Count; i++)
        {
            var source = draw is not null && _views.Count > 0 ? _views[draw.Views[i]] : _cache!;
            if (!source.TryRead(batch[i].Hash, buffer))
                throw new GraftException($"The boundary activations of '{batch[i].Id}' are missing or damaged in '{source.Directory}'.",
                    "Rerun the command: it recomputes missing activations before training.");
            var offset = 0;
            for (var b = 0; b < _sizes.Length; b++)
            {
                buffer.AsSpan(offset, (int)_sizes[b]).CopyTo(arrays[b].AsSpan(i * (int)_sizes[b]));
                offset += (int)_sizes[b];
            }
        }
        var values = new List<Tensor>();
        try
        {
            for (var b = 0; b < _sizes.Length; b++)
            {
                values.Add(tensor(arrays[b], [batch.Count, .. _shapes[b]], device: _session.Device));
            }
            return forward(_session.Boundary.Values, values);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}

/// <summary>The augmentation of one training batch: per item, the seed of its fresh draw (full forward) and the index
/// of its cached view (boundary cache).</summary>
internal sealed record TrainDraw(ImageAugmentation Augmentation, int[] Seeds, int[] Views);

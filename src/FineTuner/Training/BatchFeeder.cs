using TorchSharp;
using static TorchSharp.torch;

namespace Graft.FineTuner.Training;

/// <summary>
/// Turns a batch of items into logits: from cached boundary activations (only the trainable top runs) or from
/// images (the whole backbone runs; the only way with augmentation). The caller owns the returned tensor.
/// </summary>
internal sealed class BatchFeeder
{
    private readonly FineTuneSession _session;
    private readonly BoundaryCache? _cache;
    private readonly long[][] _shapes = [];
    private readonly long[] _sizes = [];

    public BatchFeeder(FineTuneSession session, BoundaryCache? cache)
    {
        _session = session;
        _cache = cache;
        if (cache is not null)
        {
            _shapes = cache.Shapes?.ToArray() ?? throw new InvalidOperationException("The boundary cache has no shapes yet.");
            _sizes = _shapes.Select(s => s.Aggregate(1L, (a, b) => a * b)).ToArray();
        }
    }

    public bool UsesCache => _cache is not null;

    public Tensor Logits(IReadOnlyList<FineTuneItem> batch, ImageAugmentation? augmentation = null, int[]? seeds = null)
    {
        if (_cache is null)
        {
            var length = _session.Loader.TensorLength;
            var data = new float[batch.Count * length];
            _session.Loader.LoadBatch(batch, data, augmentation, seeds);
            using var images = tensor(data, _session.InputShape(batch.Count), device: _session.Device);
            return _session.Model.forward(images);
        }

        var perImage = (int)_sizes.Sum();
        var arrays = _sizes.Select(s => new float[batch.Count * s]).ToArray();
        var buffer = new float[perImage];
        for (var i = 0; i < batch.Count; i++)
        {
            if (!_cache.TryRead(batch[i].Hash, buffer))
                throw new GraftException($"The boundary activations of '{batch[i].Id}' are missing or damaged in '{_cache.Directory}'.",
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
            return _session.Model.ForwardFromBoundary(_session.Boundary.Values, values);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}

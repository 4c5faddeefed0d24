using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Boundary;

/// <summary>Computes the freeze-boundary activations of every item not yet in the cache, in eval mode (the frozen
/// prefix has no training behaviour), and stores them. Items already cached are skipped, so an interrupted fill resumes.
/// With an augmentation, each image is drawn from Random(seedOf(item)) first: one augmented view per cache.</summary>
internal static class BoundaryFiller
{
    public static int Fill(FineTuneSession session, BoundaryCache cache, IReadOnlyList<FineTuneItem> items, int batchSize,
        IProgress<FineTuneProgress>? progress, CancellationToken cancel, ImageAugmentation? augmentation = null,
        Func<FineTuneItem, int>? seedOf = null, string phase = "cache")
    {
        if (augmentation is not null) ArgumentNullException.ThrowIfNull(seedOf);
        var missing = items.DistinctBy(i => i.Hash).Where(i => cache.Shapes is null || !cache.Contains(i.Hash)).ToList();
        if (missing.Count == 0) return 0;
        // On the CPU the frozen prefix runs in ONNX Runtime (several times faster); elsewhere in the TorchSharp module.
        using var prefix = session.Device.type == DeviceType.CPU
            ? OrtPrefix.Create(session.Backbone, session.Boundary.Values, torch.get_num_threads())
            : null;
        var backbone = session.Backbone;
        var wasTraining = backbone.training;
        backbone.eval();
        var data = new float[batchSize * session.Loader.TensorLength];
        var done = 0;
        try
        {
            foreach (var batch in missing.Chunk(batchSize))
            {
                cancel.ThrowIfCancellationRequested();
                session.Loader.LoadBatch(batch, data, augmentation, augmentation is null ? null : batch.Select(seedOf!).ToArray());
                var outputs = prefix is not null ? prefix.Run(data, session.InputShape(batch.Length)) : RunTorch(session, data, batch.Length);
                var shapes = outputs.Select(o => o.Shape).ToArray();
                cache.SetShapes(shapes);
                var sizes = shapes.Select(s => (int)s.Aggregate(1L, (a, b) => a * b)).ToArray();
                var record = new float[sizes.Sum()];
                for (var i = 0; i < batch.Length; i++)
                {
                    var offset = 0;
                    for (var b = 0; b < outputs.Length; b++)
                    {
                        outputs[b].Values.AsSpan(i * sizes[b], sizes[b]).CopyTo(record.AsSpan(offset));
                        offset += sizes[b];
                    }
                    cache.Write(batch[i].Hash, record);
                }
                done += batch.Length;
                progress?.Report(new FineTuneProgress(phase, 0, done, missing.Count));
            }
        }
        finally
        {
            backbone.train(wasTraining);
        }
        return missing.Count;
    }

    private static (long[] Shape, float[] Values)[] RunTorch(FineTuneSession session, float[] data, int count)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = tensor(data.AsSpan(0, count * session.Loader.TensorLength).ToArray(), session.InputShape(count), device: session.Device);
        var outputs = session.Backbone.Run(new Dictionary<string, Tensor> { [session.Backbone.InputName] = images }, session.Boundary.Values);
        return outputs.Select(o => (o.shape.Skip(1).ToArray(), Storage.TensorValues.Floats(o))).ToArray();
    }
}

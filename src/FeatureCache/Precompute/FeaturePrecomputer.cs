using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Store;

namespace Graft.FeatureCache.Precompute;

/// <summary>
/// Runs a frozen backbone over a dataset once and keeps the pooled features in a <see cref="FeatureStore"/>.
/// Decode workers (bounded, in parallel) read, hash, decode and preprocess images into pooled buffers; a bounded
/// channel hands them to the one inference loop, which batches them through ONNX Runtime and appends each batch to
/// this process's segment. Images already in the store are only hashed; bad images are skipped with a reason.
/// </summary>
public static class FeaturePrecomputer
{
    public static PrecomputeSummary Run(ImageDataset dataset, BackboneDescriptor backbone, FeatureStore store,
        PrecomputeOptions options, IProgress<PrecomputeProgress>? progress = null, CancellationToken cancel = default)
    {
        if (options.BatchSize is < 1 or > 4096) throw new GraftException($"Batch size {options.BatchSize} must be 1..4096.");
        var clock = Stopwatch.StartNew();
        var modelFile = BackboneModelFile.Open(backbone);
        var sha = modelFile.Sha256;
        var notes = new List<string>();
        var set = store.GetOrCreate(FeatureSetSpec.For(backbone, sha, options.DType), notes);
        // One precompute per set and shard at a time: a second one waits here, then finds the first one's features in
        // the index and computes only what is left (nothing, for the same dataset). Other shards run side by side.
        using var shardLock = FileLock.Acquire(Path.Combine(set.Directory, $".precompute-{options.Shard.Index}-of-{options.Shard.Count}.lock"),
            pid => options.Log?.Invoke($"another graft{(pid is { } p ? $" (pid {p})" : "")} is precomputing shard {options.Shard} of this feature set; waiting for it to finish, then only what is left is computed"),
            cancel);
        set.KeepBackbone(backbone);
        var index = set.ScanIndex();
        var cleaned = StoreJanitor.Clean(set, index);
        if (cleaned.Count > 0) notes.Add($"removed {cleaned.Count} leftover file{(cleaned.Count > 1 ? "s" : "")} of killed runs (empty segments, temporary files): {string.Join(", ", cleaned.Take(5))}{(cleaned.Count > 5 ? ", …" : "")}");
        var items = dataset.Items.Where(i => options.Shard.Contains(i.Id)).ToList();
        var run = new RunState(items.Count, clock);

        var meanImage = modelFile.LoadMeanImage();
        var preprocessor = new Preprocessor(backbone.Preprocess, meanImage);
        var decoder = new ImageDecoder(options.DecoderLimits);
        var workers = options.DecodeWorkers > 0 ? options.DecodeWorkers : Environment.ProcessorCount;
        var channel = Channel.CreateBounded<Work>(new BoundedChannelOptions(Math.Max(2 * options.BatchSize, 2 * workers))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var ticker = progress is null ? null : new Timer(_ => progress.Report(run.Snapshot()), null, 250, 250);

        var claimed = new ConcurrentDictionary<ContentHash, byte>();
        var producer = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, items.Count),
                    new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = stop.Token },
                    async (i, ct) =>
                    {
                        var work = Prepare(items[i], i, index, claimed, decoder, preprocessor, run);
                        if (work is not null) await channel.Writer.WriteAsync(work, ct);
                    });
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        });

        OnnxBackbone? session = null;
        FeatureSegmentWriter? writer = null;
        var interrupted = false;
        try
        {
            var batch = new List<Work>(options.BatchSize);
            var hashes = new byte[options.BatchSize * ContentHash.Size];
            var reader = channel.Reader;
            while (reader.WaitToReadAsync(stop.Token).AsTask().GetAwaiter().GetResult())
            {
                while (batch.Count < options.BatchSize && reader.TryRead(out var w)) batch.Add(w);
                if (batch.Count < options.BatchSize && !reader.Completion.IsCompleted) continue;
                session ??= OpenSession(modelFile, options, run);
                writer ??= set.CreateWriter(options.FlushToDisk, options.OpenSegment);
                RunBatch(batch, session, writer, hashes, run, preprocessor.Spec.TensorLength);
            }
            if (batch.Count > 0)
            {
                session ??= OpenSession(modelFile, options, run);
                writer ??= set.CreateWriter(options.FlushToDisk, options.OpenSegment);
                RunBatch(batch, session, writer, hashes, run, preprocessor.Spec.TensorLength);
            }
            producer.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            interrupted = true;
        }
        catch (IOException e) when (writer is not null || DiskFull.Is(e))
        {
            stop.Cancel();
            throw new GraftException(
                $"Writing features to '{set.Directory}' failed: {e.Message} {run.Computed} newly computed images are kept.",
                "Free disk space (a full disk is the usual cause) and rerun the same command: it resumes where it stopped.")
            { Interrupted = true };
        }
        finally
        {
            stop.Cancel();
            try { producer.Wait(TimeSpan.FromSeconds(30)); } catch (AggregateException) { }
            while (channel.Reader.TryRead(out var w)) ArrayPool<float>.Shared.Return(w.Tensor);
            writer?.Dispose();
            session?.Dispose();
        }

        if (!interrupted)
        {
            try
            {
                set.WriteManifest(new DatasetManifest
                {
                    ShardIndex = options.Shard.Index,
                    ShardCount = options.Shard.Count,
                    DatasetRoot = dataset.Root,
                    DatasetFormat = dataset.Format.ToString(),
                    SplitSource = dataset.SplitSource,
                    ClassNames = dataset.ClassNames,
                    CreatedUtc = DateTime.UtcNow,
                    Items = run.Entries.Select((e, i) => e ?? new ManifestEntry(items[i].Id, items[i].Split.ToName(), items[i].Label, null, "Interrupted")).ToList(),
                    DatasetFingerprint = DatasetFingerprint.Of(dataset),
                    Segments = set.NonEmptySegmentNames(),
                });
            }
            catch (IOException e) when (DiskFull.Is(e))
            {
                throw new GraftException(
                    $"Writing the manifest of '{set.Directory}' failed: {e.Message} The {run.Computed} newly computed images are kept.",
                    "Free disk space and rerun the same command: it only writes the manifest.")
                { Interrupted = true };
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        progress?.Report(run.Snapshot());
        return new PrecomputeSummary
        {
            Cache = store.Root,
            FeatureSet = set.Id,
            Backbone = backbone.Name,
            Dimension = backbone.Output.Dimension,
            DType = options.DType.ToName(),
            Shard = options.Shard.ToString(),
            Device = run.Device ?? "none needed (every image was already cached)",
            SplitSource = dataset.SplitSource,
            NumClasses = dataset.ClassNames.Count,
            Total = items.Count,
            Computed = run.Computed,
            Reused = run.Reused,
            Skipped = run.Skipped.OrderBy(s => s.Path, StringComparer.Ordinal).ToList(),
            Seconds = Math.Round(seconds, 3),
            ImagesPerSecond = seconds > 0 ? Math.Round(run.Computed / seconds, 2) : 0,
            StoreDamage = index.Damage,
            SplitLeakage = SplitLeakage.Find(run.Entries.OfType<ManifestEntry>()),
            StoreRepairs = notes,
            DatasetWarnings = dataset.Warnings,
            Interrupted = interrupted,
        };
    }

    /// <summary>Reads, hashes and (when not cached) decodes one item. Returns null when nothing is left to compute.</summary>
    private static Work? Prepare(DatasetItem item, int i, FeatureIndex index, ConcurrentDictionary<ContentHash, byte> claimed,
        ImageDecoder decoder, Preprocessor preprocessor, RunState run)
    {
        ImageData data;
        try
        {
            data = item.Read();
        }
        catch (ImageRejectedException e)
        {
            run.Skip(i, item, $"{e.Reason}: {e.Message}"); // a FIFO or device (never opened), a file over the size cap
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            run.Skip(i, item, $"{RejectReason.Unreadable}: {e.Message}");
            return null;
        }
        var hash = ContentHash.Of(data);
        // The same picture twice in a dataset (or already cached) is computed at most once.
        if (index.Hashes.Contains(hash) || !claimed.TryAdd(hash, 0))
        {
            run.Reuse(i, item, hash);
            return null;
        }
        float[]? tensor = null;
        try
        {
            using var image = decoder.Decode(data);
            tensor = ArrayPool<float>.Shared.Rent(preprocessor.Spec.TensorLength);
            preprocessor.Apply(image, tensor.AsSpan(0, preprocessor.Spec.TensorLength));
            return new Work(i, item, hash, tensor);
        }
        catch (ImageRejectedException e)
        {
            if (tensor is not null) ArrayPool<float>.Shared.Return(tensor);
            claimed.TryRemove(hash, out _);
            run.Skip(i, item, $"{e.Reason}: {e.Message}");
            return null;
        }
    }

    private static OnnxBackbone OpenSession(BackboneModelFile backbone, PrecomputeOptions options, RunState run)
    {
        var session = OnnxBackbone.Load(backbone, new BackboneRunOptions
        {
            Device = options.Device,
            Threads = options.Threads,
            MaxBatchSize = options.BatchSize,
        });
        run.Device = session.DeviceDescription;
        return session;
    }

    private static void RunBatch(List<Work> batch, OnnxBackbone session, FeatureSegmentWriter writer, byte[] hashes, RunState run, int tensorLength)
    {
        for (var k = 0; k < batch.Count; k++)
        {
            batch[k].Tensor.AsSpan(0, tensorLength).CopyTo(session.InputBuffer.AsSpan(k * tensorLength, tensorLength));
            ArrayPool<float>.Shared.Return(batch[k].Tensor);
            batch[k].Hash.Write(hashes.AsSpan(k * ContentHash.Size));
        }
        session.Run(batch.Count);
        writer.Append(hashes.AsSpan(0, batch.Count * ContentHash.Size), session.OutputBuffer.AsSpan(0, batch.Count * session.Dimension));
        foreach (var w in batch) run.MarkComputed(w.Index, w.Item, w.Hash);
        batch.Clear();
    }

    private sealed record Work(int Index, DatasetItem Item, ContentHash Hash, float[] Tensor);

    /// <summary>Counters and manifest entries shared by the workers and the inference loop.</summary>
    private sealed class RunState(int total, Stopwatch clock)
    {
        private int _computed, _reused;
        public ManifestEntry?[] Entries { get; } = new ManifestEntry?[total];
        public ConcurrentBag<SkippedImage> Skipped { get; } = [];
        public int Computed => _computed;
        public int Reused => _reused;
        public volatile string? Device;

        public void Skip(int i, DatasetItem item, string reason)
        {
            Entries[i] = new ManifestEntry(item.Id, item.Split.ToName(), item.Label, null, reason);
            Skipped.Add(new SkippedImage(item.Id, reason));
        }

        public void Reuse(int i, DatasetItem item, ContentHash hash)
        {
            Entries[i] = new ManifestEntry(item.Id, item.Split.ToName(), item.Label, hash.ToString());
            Interlocked.Increment(ref _reused);
        }

        public void MarkComputed(int i, DatasetItem item, ContentHash hash)
        {
            Entries[i] = new ManifestEntry(item.Id, item.Split.ToName(), item.Label, hash.ToString());
            Interlocked.Increment(ref _computed);
        }

        public PrecomputeProgress Snapshot() => new(total, _computed, _reused, Skipped.Count, clock.Elapsed.TotalSeconds, Device);
    }
}

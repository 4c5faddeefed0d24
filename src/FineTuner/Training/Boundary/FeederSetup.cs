using System.Diagnostics;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Boundary;

/// <summary>
/// Chooses how batches reach the model and fills what that needs: with the boundary cache, the plain activations of
/// every image, then — with augmentation — <see cref="FineTuneOptions.AugmentViews"/> augmented views of each training
/// image (their disk and time announced before filling); without it, nothing (the whole backbone runs every epoch).
/// </summary>
internal static class FeederSetup
{
    public static (BatchFeeder Feeder, double FillSeconds) Prepare(FineTuneSession session, IReadOnlyList<FineTuneItem> items,
        FineTuneOptions options, Action<string> say, IProgress<FineTuneProgress>? progress, CancellationToken cancel)
    {
        var augmentation = options.Augmentation;
        if (!options.UseBoundaryCache || session.Boundary.IsInput(session.Backbone))
        {
            say(!options.UseBoundaryCache
                ? $"boundary cache: off (the whole backbone runs every epoch; augmentation: {Describe(options)})"
                : $"boundary cache: not used (the bottom layer trains; augmentation: {Describe(options)})");
            return (new BatchFeeder(session, null), 0);
        }

        var root = options.BoundaryCacheDirectory ?? Path.Combine(GraftHome.Directory, "boundary");
        var key = session.BoundaryKey(options.BoundaryDType);
        var cache = BoundaryCache.Open(root, key);
        var clock = Stopwatch.StartNew();
        var filled = BoundaryFiller.Fill(session, cache, items, options.BatchSize, progress, cancel);
        var seconds = clock.Elapsed.TotalSeconds;
        var distinct = items.DistinctBy(i => i.Hash).Count();
        say($"boundary cache: {cache.Directory} ({cache.FloatsPerImage:N0} {options.BoundaryDType.ToName()} values per image; {filled} computed now in {seconds:F1} s, "
            + $"{distinct - filled} reused)");
        if (augmentation is null)
        {
            say("augmentation: none (every epoch sees the same activations)");
            return (new BatchFeeder(session, cache), seconds);
        }

        var train = items.Where(i => i.Split == Split.Train).DistinctBy(i => i.Hash).ToList();
        var views = Enumerable.Range(0, options.AugmentViews)
            .Select(v => BoundaryCache.Open(root, key with { View = $"{augmentation.CanonicalText()};seed={options.Seed};view={v}/{options.AugmentViews}" }))
            .ToList();
        var missing = views.Sum(view => train.Count(i => view.Shapes is null || !view.Contains(i.Hash)));
        var bytes = (double)missing * cache.FloatsPerImage * options.BoundaryDType.ByteSize();
        var rate = filled > 0 && seconds > 0 ? filled / seconds : double.NaN;
        say($"augmentation: {Describe(options)}, {options.AugmentViews} cached views of each of {train.Count} training images: "
            + $"{missing} to compute, {bytes / 1e9:F2} GB more on disk"
            + (missing == 0 ? "" : double.IsFinite(rate) ? $", about {Duration(missing / rate)} at {rate:F0} images/s" : $", about {options.AugmentViews}× the fill of the training split"));
        clock.Restart();
        for (var v = 0; v < views.Count; v++)
        {
            var view = v;
            BoundaryFiller.Fill(session, views[v], train, options.BatchSize, progress, cancel, augmentation,
                item => EpochLoop.ViewSeed(options.Seed, view, item), $"cache view {v + 1}/{views.Count}");
        }
        seconds += clock.Elapsed.TotalSeconds;
        if (missing > 0) say($"augmented views computed in {clock.Elapsed.TotalSeconds:F1} s");
        return (new BatchFeeder(session, cache, views), seconds);
    }

    private static string Describe(FineTuneOptions options) =>
        options.Augmentation is { } a ? $"{options.Augment.ToString().ToLowerInvariant()} ({a.CanonicalText()})" : "none";

    private static string Duration(double seconds) => seconds < 120 ? $"{seconds:F0} s" : $"{seconds / 60:F1} min";
}

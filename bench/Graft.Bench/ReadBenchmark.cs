using System.Diagnostics;
using Graft.FeatureCache.Store;

namespace Graft.Bench;

/// <summary>Times <see cref="FeatureSet.ReadSplits"/>: every split into one contiguous array, checksums verified.</summary>
public static class ReadBenchmark
{
    public sealed record Result(long Records, long Bytes, IReadOnlyList<double> Runs);

    /// <summary>Reads the set <paramref name="repeat"/> times (the first run warms the page cache).</summary>
    public static Result Run(FeatureSet set, int repeat)
    {
        var manifest = set.LoadManifest();
        var bytes = set.Segments.Sum(s => new FileInfo(s).Length);
        var runs = new List<double>();
        long records = 0;
        for (var i = 0; i < Math.Max(1, repeat); i++)
        {
            var clock = Stopwatch.StartNew();
            var read = set.ReadSplits(manifest);
            runs.Add(clock.Elapsed.TotalSeconds);
            records = read.Splits.Values.Sum(s => (long)s.Count);
        }
        return new Result(records, bytes, runs);
    }
}

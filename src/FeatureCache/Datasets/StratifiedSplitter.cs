namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Splits data that has no split of its own into train/validation/test, per class, reproducibly.
/// Recipe, per class: sort the item ids ordinally (so the result does not depend on file-system order), shuffle them
/// with a Fisher–Yates shuffle driven by a fresh <c>new Random(seed)</c> (seeded <see cref="Random"/> keeps its
/// algorithm across .NET versions), then give the first items to train, the next to validation, the rest to test.
/// Counts use the largest-remainder method, so they add up to the class size and each split gets the share closest to
/// its ratio; ties go to train, then validation, then test. A class with at least one item always keeps one in train
/// (when the train ratio is above zero), because a class the head never saw cannot be learned.
/// </summary>
internal static class StratifiedSplitter
{
    /// <summary>The split of every id; <paramref name="items"/> pairs an id (unique) with its label.</summary>
    public static IReadOnlyDictionary<string, Split> Assign(IEnumerable<(string Id, int Label)> items, SplitRatios ratios, int seed)
    {
        var result = new Dictionary<string, Split>(StringComparer.Ordinal);
        foreach (var group in items.GroupBy(i => i.Label))
        {
            var ids = group.Select(i => i.Id).Order(StringComparer.Ordinal).ToArray();
            Shuffle(ids, new Random(seed));
            var counts = Counts(ids.Length, ratios);
            for (var k = 0; k < ids.Length; k++)
                result.Add(ids[k], k < counts[0] ? Split.Train : k < counts[0] + counts[1] ? Split.Validation : Split.Test);
        }
        return result;
    }

    /// <summary>Items per split (train, validation, test) for a class of <paramref name="n"/> items.</summary>
    public static int[] Counts(int n, SplitRatios ratios)
    {
        double[] r = [ratios.Train, ratios.Validation, ratios.Test];
        var sum = r.Sum();
        var counts = new int[3];
        var remainders = new double[3];
        for (var s = 0; s < 3; s++)
        {
            var quota = n * r[s] / sum;
            // The epsilon keeps 10 × 0.8 = 7.999… from losing an item to rounding noise.
            counts[s] = (int)Math.Floor(quota + 1e-9);
            remainders[s] = quota - counts[s];
        }
        var left = n - counts.Sum();
        foreach (var s in Enumerable.Range(0, 3).OrderByDescending(s => remainders[s]).ThenBy(s => s).Take(left))
            counts[s]++;
        if (n > 0 && counts[0] == 0 && r[0] > 0)
        {
            var donor = counts[1] >= counts[2] ? 1 : 2;
            counts[donor]--;
            counts[0]++;
        }
        return counts;
    }

    /// <summary>The log line for a split made here, e.g. "stratified 0.8,0.1,0.1 with seed 42".</summary>
    public static string Describe(SplitRatios ratios, int seed) => $"stratified {ratios} with seed {seed}";

    private static void Shuffle(string[] ids, Random random)
    {
        for (var i = ids.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (ids[i], ids[j]) = (ids[j], ids[i]);
        }
    }
}

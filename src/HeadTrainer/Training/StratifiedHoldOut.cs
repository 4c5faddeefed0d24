namespace Graft.HeadTrainer.Training;

/// <summary>
/// Takes a validation hold-out from training rows, per class and reproducibly — the recipe of FeatureCache's dataset
/// splitter: per class, sort the row ids ordinally (independent of file-system and cache order), shuffle them with a
/// Fisher–Yates shuffle driven by <c>new Random(seed)</c>, hold out the first round(n·fraction) of them. A class keeps
/// at least one training row; if rounding leaves the hold-out empty, the largest class gives one row.
/// </summary>
public static class StratifiedHoldOut
{
    /// <summary>Row indices of <paramref name="data"/> for training and for validation, each in ascending order.</summary>
    public static (int[] Train, int[] Validation) Split(LabeledFeatures data, double fraction, long seed)
    {
        if (fraction is <= 0 or >= 1 || double.IsNaN(fraction))
            throw new GraftException($"Validation fraction {fraction} must be between 0 and 1 (exclusive).");
        var held = new List<int>();
        var groups = Enumerable.Range(0, data.Count).GroupBy(i => data.Labels[i]).OrderBy(g => g.Key).ToList();
        foreach (var group in groups)
        {
            var rows = group.OrderBy(i => data.Ids[i], StringComparer.Ordinal).ThenBy(i => i).ToArray();
            Shuffle(rows, seed);
            var take = (int)Math.Round(rows.Length * fraction, MidpointRounding.AwayFromZero);
            take = Math.Min(take, rows.Length - 1);
            held.AddRange(rows.Take(Math.Max(0, take)));
        }
        if (held.Count == 0)
        {
            var largest = groups.Where(g => g.Count() >= 2).MaxBy(g => g.Count());
            if (largest is null)
                throw new GraftException($"Cannot hold out validation rows: every class has fewer than 2 training rows ({data.Count} in all).",
                    "Add a validation split to the dataset, or more training images.");
            var rows = largest.OrderBy(i => data.Ids[i], StringComparer.Ordinal).ThenBy(i => i).ToArray();
            Shuffle(rows, seed);
            held.Add(rows[0]);
        }
        var heldSet = held.ToHashSet();
        return (Enumerable.Range(0, data.Count).Where(i => !heldSet.Contains(i)).ToArray(), held.Order().ToArray());
    }

    private static void Shuffle(int[] rows, long seed)
    {
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        for (var i = rows.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (rows[i], rows[j]) = (rows[j], rows[i]);
        }
    }
}

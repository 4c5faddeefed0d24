namespace Graft.FeatureCache.Store;

/// <summary>One picture (by content hash) that sits in more than one split: a model selected or evaluated on it has
/// seen it in training, so validation and test figures read too high.</summary>
/// <param name="Sha256">The content hash shared by the items.</param>
/// <param name="Splits">The splits it is in, train first.</param>
/// <param name="Ids">Every item with that content, ordered by split then id.</param>
public sealed record SplitLeak(string Sha256, IReadOnlyList<string> Splits, IReadOnlyList<string> Ids)
{
    /// <summary>"train/a.jpg = test/b.jpg (train, test)".</summary>
    public override string ToString() => $"{string.Join(" = ", Ids)} ({string.Join(", ", Splits)})";
}

/// <summary>
/// Finds the same image content in two or more splits of a manifest — copies under other names, or one file reached
/// from two split folders. Each content is reported once, with all its items; duplicates within one split are not
/// leakage (they only weigh a picture twice) and are not reported.
/// </summary>
public static class SplitLeakage
{
    private static readonly string[] SplitOrder = ["train", "validation", "test"];

    public static IReadOnlyList<SplitLeak> Find(IEnumerable<ManifestEntry> items) =>
        items.Where(e => e.Sha256 is not null)
            .GroupBy(e => e.Sha256!, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Select(e => e.Split).Distinct(StringComparer.Ordinal).Skip(1).Any())
            .Select(g =>
            {
                var ordered = g.OrderBy(e => Rank(e.Split)).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
                return new SplitLeak(g.Key, ordered.Select(e => e.Split).Distinct(StringComparer.Ordinal).ToList(), ordered.Select(e => e.Id).ToList());
            })
            .OrderBy(l => l.Ids[0], StringComparer.Ordinal)
            .ToList();

    private static int Rank(string split) => Array.IndexOf(SplitOrder, split) is var i and >= 0 ? i : SplitOrder.Length;
}

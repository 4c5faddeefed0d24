using System.IO.Hashing;
using System.Text;

namespace Graft.FeatureCache.Precompute;

/// <summary>
/// Shard I of N: the items whose id hashes (XxHash32 of the UTF-8 id, stable across machines and runs) to I mod N.
/// N processes with the same dataset and cache cover every item exactly once.
/// </summary>
public sealed record ShardSpec(int Index, int Count)
{
    public static ShardSpec All { get; } = new(0, 1);

    /// <summary>Parses "i/n" with 0 ≤ i &lt; n.</summary>
    public static ShardSpec Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return All;
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var i) && int.TryParse(parts[1], out var n) && n >= 1 && i >= 0 && i < n)
            return new ShardSpec(i, n);
        throw new GraftException($"Bad shard '{text}'.", "Use --shard I/N with 0 ≤ I < N, e.g. --shard 0/4.");
    }

    public bool Contains(string itemId) =>
        Count == 1 || XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(itemId)) % (uint)Count == (uint)Index;

    public override string ToString() => $"{Index}/{Count}";
}

using System.Security.Cryptography;
using System.Text;
using Graft.FeatureCache.Datasets;

namespace Graft.FeatureCache.Store;

/// <summary>
/// The identity of a dataset listing that every shard of a precompute computes alike: SHA-256 over the class names and
/// every item's id, label and split (sorted by id), before sharding. Two shard folders with different fingerprints come
/// from different datasets (or splits) and must not be combined.
/// </summary>
public static class DatasetFingerprint
{
    public static string Of(ImageDataset dataset)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s));
        Add($"classes={string.Join('\u001f', dataset.ClassNames)}\n");
        foreach (var item in dataset.Items.OrderBy(i => i.Id, StringComparer.Ordinal))
            Add($"{item.Id}\u001f{item.Label}\u001f{item.Split.ToName()}\n");
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..32];
    }
}

using System.Security.Cryptography;
using System.Text;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Store;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Tests.Fixtures;

/// <summary>
/// Writes small feature caches the way precompute does — features through <see cref="FeatureSet.CreateWriter"/>, the
/// dataset through <see cref="FeatureSet.WriteManifest"/> — so tests never need a real backbone.
/// </summary>
public static class CacheBuilder
{
    /// <summary>The spec of a made-up backbone whose model file has hash <paramref name="modelSha256"/>.</summary>
    public static FeatureSetSpec Spec(int dim, string modelSha256, string name = "tiny") => new()
    {
        BackboneName = name,
        ModelSha256 = modelSha256,
        InputName = "input",
        OutputName = "features",
        Pooling = OutputPooling.InGraph,
        Dimension = dim,
        Preprocess = "test",
        DType = FeatureDType.Float32,
    };

    /// <summary>
    /// A cache at <paramref name="root"/> holding the given splits (null = absent) with these class names. Image ids
    /// are taken from the rows (and must be unique across splits); content hashes are derived from the ids.
    /// <paramref name="model"/> fills the model hash (another letter = another backbone) unless
    /// <paramref name="modelSha256"/> gives it.
    /// </summary>
    public static FeatureSet Write(string root, IReadOnlyList<string> classNames, LabeledFeatures? train, LabeledFeatures? validation = null,
        LabeledFeatures? test = null, char model = 'a', string datasetRoot = "/nonexistent/dataset", string? modelSha256 = null,
        string datasetFormat = "Folder")
    {
        var parts = new[] { ("train", train), ("validation", validation), ("test", test) }.Where(p => p.Item2 is { Count: > 0 }).ToList();
        var dim = parts.Count > 0 ? parts[0].Item2!.Dimension : 4;
        var set = FeatureStore.OpenOrCreate(root).GetOrCreate(Spec(dim, modelSha256 ?? new string(model, 64)));
        var entries = new List<ManifestEntry>();
        using (var writer = set.CreateWriter(flushToDisk: false))
        {
            foreach (var (split, rows) in parts)
            {
                var hashes = new byte[rows!.Count * 32];
                for (var i = 0; i < rows.Count; i++)
                {
                    SHA256.HashData(Encoding.UTF8.GetBytes(split + "/" + rows.Ids[i]), hashes.AsSpan(i * 32, 32));
                    entries.Add(new ManifestEntry(rows.Ids[i], split, rows.Labels[i], Convert.ToHexStringLower(hashes.AsSpan(i * 32, 32))));
                }
                writer.Append(hashes, rows.Features);
            }
        }
        set.WriteManifest(new DatasetManifest
        {
            ShardIndex = 0,
            ShardCount = 1,
            DatasetRoot = datasetRoot,
            DatasetFormat = datasetFormat,
            SplitSource = "test fixture",
            ClassNames = classNames,
            CreatedUtc = DateTime.UtcNow,
            Items = entries,
        });
        return set;
    }

    public static string[] Names(int classes) => Enumerable.Range(0, classes).Select(k => $"class{k}").ToArray();
}

using System.Text.Json;

namespace Graft.FeatureCache.Datasets.Tests;

/// <summary>
/// Builds a fake TFDS prepared directory <c>dataDir/name/version/</c> like tfds.builder("oxford_flowers102")
/// .download_and_prepare() leaves it: dataset_info.json (name, version, fileFormat, splits with shardLengths as
/// strings, features with a ClassLabel), label.labels.txt, and shards name-split.tfrecord-NNNNN-of-NNNNN holding
/// Examples {image: PNG bytes, label: int64, file_name: bytes}.
/// </summary>
internal sealed class TfdsTestFolder
{
    public required string DataDir { get; init; }
    public string Name { get; init; } = "oxford_flowers102";
    public string Version { get; init; } = "2.1.1";
    public string[] ClassNames { get; init; } = ["pink primrose", "hard-leaved pocket orchid", "canterbury bells"];
    public bool WriteLabelsFile { get; init; } = true;

    /// <summary>Labels of the records of each split, by split name, and how many shards each split is cut into.</summary>
    public required IReadOnlyDictionary<string, int[]> Splits { get; init; }
    public int ShardsPerSplit { get; init; } = 2;

    public string VersionDir => Path.Combine(DataDir, Name, Version);

    /// <summary>The image bytes written for record <paramref name="index"/> of <paramref name="split"/> (counted over the split).</summary>
    public static byte[] Image(string split, int index) => TestImages.Png(index + 50 * split.Length);

    /// <summary>The shard file of record <paramref name="index"/> of a split and its index inside that shard.</summary>
    public (string File, int Record) Locate(string split, int index)
    {
        var total = Splits[split].Length;
        var perShard = (total + ShardsPerSplit - 1) / ShardsPerSplit;
        return (ShardName(split, index / perShard), index % perShard);
    }

    public string ShardName(string split, int shard) => $"{Name}-{split}.tfrecord-{shard:D5}-of-{ShardsPerSplit:D5}";

    public TfdsTestFolder Create()
    {
        Directory.CreateDirectory(VersionDir);
        var splitInfos = new List<object>();
        foreach (var (split, labels) in Splits)
        {
            var perShard = (labels.Length + ShardsPerSplit - 1) / ShardsPerSplit;
            var lengths = new List<string>();
            for (var shard = 0; shard < ShardsPerSplit; shard++)
            {
                var indices = Enumerable.Range(shard * perShard, Math.Max(0, Math.Min(perShard, labels.Length - shard * perShard))).ToArray();
                TfRecordTestWriter.WriteFile(Path.Combine(VersionDir, ShardName(split, shard)), indices.Select(i => TfRecordTestWriter.Example(
                    ("image", Image(split, i)),
                    ("label", (long)labels[i]),
                    ("file_name", System.Text.Encoding.UTF8.GetBytes($"image_{i:D5}.jpg")))));
                lengths.Add(indices.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            splitInfos.Add(new { filepathTemplate = "{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}", name = split, numBytes = "1234", shardLengths = lengths });
        }
        var info = new
        {
            citation = "@InProceedings{Nilsback08, ...}",
            description = "A fake of the Oxford Flowers 102 dataset for tests.",
            fileFormat = "tfrecord",
            moduleName = "tensorflow_datasets.image_classification.oxford_flowers102",
            name = Name,
            version = Version,
            splits = splitInfos,
            features = new
            {
                featuresDict = new
                {
                    features = new Dictionary<string, object>
                    {
                        ["file_name"] = new { pythonClassName = "tensorflow_datasets.core.features.text_feature.Text", text = new { } },
                        ["image"] = new { pythonClassName = "tensorflow_datasets.core.features.image_feature.Image", image = new { dtype = "uint8", encodingFormat = "jpeg" } },
                        ["label"] = new
                        {
                            pythonClassName = "tensorflow_datasets.core.features.class_label_feature.ClassLabel",
                            classLabel = new { numClasses = ClassNames.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                        },
                    },
                },
                pythonClassName = "tensorflow_datasets.core.features.features_dict.FeaturesDict",
            },
        };
        File.WriteAllText(Path.Combine(VersionDir, "dataset_info.json"), JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }));
        if (WriteLabelsFile)
            File.WriteAllLines(Path.Combine(VersionDir, "label.labels.txt"), ClassNames);
        return this;
    }
}

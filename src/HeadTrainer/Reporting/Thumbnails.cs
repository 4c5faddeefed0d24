using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace Graft.HeadTrainer.Reporting;

/// <summary>
/// Small PNG thumbnails of dataset images, by manifest id, for the report's grid of misclassified images. The dataset
/// is listed again from the root and format the cache's manifest recorded, and each image is decoded with
/// FeatureCache's <see cref="ImageDecoder"/> (so any format precompute read works, records in IDX/TFRecord files too).
/// When the dataset is not reachable any more, or an image fails, its thumbnail is simply left out.
/// </summary>
public static class Thumbnails
{
    /// <summary>Base64 PNGs (longest side <paramref name="size"/> px) for the ids found; <paramref name="note"/> says
    /// why some or all are missing (null when all were made).</summary>
    public static IReadOnlyDictionary<string, string> Load(string datasetRoot, string datasetFormat, IReadOnlyCollection<string> ids,
        int size, out string? note)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        note = null;
        if (ids.Count == 0) return result;
        Dictionary<string, DatasetItem> items;
        try
        {
            var format = Enum.TryParse<DatasetFormat>(datasetFormat, ignoreCase: true, out var f) ? f : DatasetFormat.Auto;
            items = DatasetLoader.Load(datasetRoot, new DatasetOptions { Format = format }).Items
                .GroupBy(i => i.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is GraftException or IOException or UnauthorizedAccessException)
        {
            note = $"Images not shown: the dataset at '{datasetRoot}' could not be read ({e.Message}).";
            return result;
        }
        var decoder = new ImageDecoder();
        var failed = 0;
        foreach (var id in ids)
        {
            try
            {
                if (!items.TryGetValue(id, out var item))
                {
                    failed++;
                    continue;
                }
                using var image = decoder.Decode(item.Read());
                image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(size, size), Mode = ResizeMode.Max }));
                using var stream = new MemoryStream();
                image.SaveAsPng(stream);
                result[id] = Convert.ToBase64String(stream.ToArray());
            }
            catch (Exception e) when (e is ImageRejectedException or IOException or UnauthorizedAccessException or GraftException)
            {
                failed++;
            }
        }
        if (failed > 0) note = $"{failed} of {ids.Count} images could not be read from '{datasetRoot}'.";
        return result;
    }
}

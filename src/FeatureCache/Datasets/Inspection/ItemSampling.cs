using Graft.FeatureCache.Decoding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>Seeded sampling and fault-tolerant decoding of dataset items, shared by the inspector and the grid.</summary>
internal static class ItemSampling
{
    /// <summary>Up to <paramref name="count"/> distinct items chosen uniformly with a seeded partial Fisher–Yates
    /// shuffle (System.Random with a seed is stable across .NET versions).</summary>
    public static IReadOnlyList<DatasetItem> Sample(IReadOnlyList<DatasetItem> items, int count, int seed)
    {
        int n = Math.Min(count, items.Count);
        var order = Enumerable.Range(0, items.Count).ToArray();
        var random = new Random(seed);
        for (int i = 0; i < n; i++)
        {
            int j = random.Next(i, order.Length);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order.Take(n).Select(i => items[i]).ToArray();
    }

    /// <summary>Reads and decodes one item; on failure returns null and the reason instead of throwing.</summary>
    public static Image<Rgb24>? TryDecode(DatasetItem item, ImageDecoder decoder, out UnreadableImage? failure)
    {
        failure = null;
        try
        {
            return decoder.Decode(item.Read());
        }
        catch (ImageRejectedException e)
        {
            failure = new UnreadableImage(item.Id, e.Reason, e.Message);
        }
        catch (InvalidDataException e)
        {
            failure = new UnreadableImage(item.Id, RejectReason.Corrupt, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = new UnreadableImage(item.Id, RejectReason.Unreadable, e.Message);
        }
        return null;
    }
}

using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Tests.Decoding;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Tests.Inspection;

/// <summary>Datasets built in memory: items whose read functions return generated PNGs (no loader involved).</summary>
internal static class SyntheticDataset
{
    public static readonly string[] Classes = ["cats", "dogs", "frogs"];

    /// <summary>The colour of the i-th generated image: distinct per item, channel values 3..250.</summary>
    public static Rgb24 ColourOf(int i) => new((byte)(3 + 37 * i % 200), (byte)(250 - 13 * i % 120), (byte)(60 + 29 * i % 150));

    /// <summary>An item whose read returns a solid PNG of <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static DatasetItem Solid(string id, int label, Split split, int width, int height, Rgb24 colour) =>
        new(id, label, split, () =>
        {
            using var image = TestImages.Solid(width, height, colour);
            return ImageData.Encoded(TestImages.Png(image));
        });

    /// <summary>
    /// 12 readable items: train cats 4, dogs 3, frogs 1; validation cats 1, dogs 1; test frogs 2, sizes 10..32 wide;
    /// plus, when <paramref name="withBadItems"/>, a missing file (train dogs) and a text file (test cats).
    /// </summary>
    public static ImageDataset Make(bool withBadItems)
    {
        (int Label, Split Split)[] layout =
        [
            (0, Split.Train), (0, Split.Train), (0, Split.Train), (0, Split.Train),
            (1, Split.Train), (1, Split.Train), (1, Split.Train), (2, Split.Train),
            (0, Split.Validation), (1, Split.Validation), (2, Split.Test), (2, Split.Test),
        ];
        var items = layout.Select((entry, i) =>
            Solid($"{entry.Split.ToName()}/{Classes[entry.Label]}/{i}.png", entry.Label, entry.Split, 10 + 2 * i, 30 - i, ColourOf(i))).ToList();
        if (withBadItems)
        {
            items.Add(new DatasetItem("train/dogs/missing.jpg", 1, Split.Train,
                () => throw new FileNotFoundException("Could not find file 'train/dogs/missing.jpg'.")));
            items.Add(new DatasetItem("test/cats/notes.jpg", 0, Split.Test, () => ImageData.Encoded("just some text"u8.ToArray())));
        }
        return new ImageDataset("/synthetic", DatasetFormat.Folder, Classes, items, "split folders");
    }
}

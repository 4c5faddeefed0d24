using Graft.FeatureCache.Decoding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>
/// The Keras seed's look at a dataset before training: classes, counts per split and class, image sizes, and whether
/// the images decode to sensible 8-bit RGB. Counts cover every item; size and readability checks decode a seeded
/// sample only, so inspecting a million images costs about as much as inspecting a thousand.
/// </summary>
public static class DatasetInspector
{
    /// <summary>Inspects <paramref name="dataset"/>. Unreadable images are reported, never thrown; throws
    /// <see cref="GraftException"/> for invalid options.</summary>
    public static DatasetReport Inspect(ImageDataset dataset, InspectOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= InspectOptions.Default;
        options.Validate();

        int classes = dataset.ClassNames.Count;
        var perClass = Enum.GetValues<Split>().ToDictionary(s => s, _ => new int[classes]);
        foreach (var item in dataset.Items)
        {
            if (item.Label >= classes)
                throw new InvalidOperationException($"Item {item.Id} has label {item.Label} but the dataset has {classes} classes.");
            perClass[item.Split][item.Label]++;
        }

        var sample = ItemSampling.Sample(dataset.Items, options.SampleSize, options.Seed);
        var decoder = new ImageDecoder(options.DecoderLimits);
        var sizes = new (int Width, int Height)?[sample.Count];
        var failures = new UnreadableImage?[sample.Count];
        var checks = new SampleImageCheck?[sample.Count];
        // Decoding dominates; results land by index so the report does not depend on thread timing.
        Parallel.For(0, sample.Count, i =>
        {
            using var image = ItemSampling.TryDecode(sample[i], decoder, out failures[i]);
            if (image is null)
                return;
            sizes[i] = (image.Width, image.Height);
            checks[i] = Check(sample[i].Id, image);
        });

        return new DatasetReport
        {
            ClassNames = dataset.ClassNames,
            SplitCounts = perClass.ToDictionary(p => p.Key, p => p.Value.Sum()),
            ClassCounts = perClass.ToDictionary(p => p.Key, p => (IReadOnlyList<int>)p.Value),
            SampledCount = sample.Count,
            Sizes = ImageSizeStats.From(sizes.OfType<(int, int)>().ToArray()),
            SampleImage = checks.FirstOrDefault(c => c is not null),
            Unreadable = failures.OfType<UnreadableImage>().ToArray(),
            DatasetWarnings = dataset.Warnings,
        };
    }

    private static SampleImageCheck Check(string id, Image<Rgb24> image)
    {
        byte min = 255, max = 0;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                foreach (var p in rows.GetRowSpan(y))
                {
                    min = Math.Min(min, Math.Min(p.R, Math.Min(p.G, p.B)));
                    max = Math.Max(max, Math.Max(p.R, Math.Max(p.G, p.B)));
                }
            }
        });
        return new SampleImageCheck(id, image.Height, image.Width, 3, min, max);
    }
}

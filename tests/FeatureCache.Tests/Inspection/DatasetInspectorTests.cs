using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Datasets.Inspection;
using Graft.FeatureCache.Decoding;

namespace Graft.FeatureCache.Tests.Inspection;

public sealed class DatasetInspectorTests
{
    [Fact]
    public void Inspect_SyntheticDataset_CountsPerSplitAndClass()
    {
        var report = DatasetInspector.Inspect(SyntheticDataset.Make(withBadItems: true), new InspectOptions());

        Assert.Equal(SyntheticDataset.Classes, report.ClassNames);
        Assert.Equal(9, report.SplitCounts[Split.Train]);
        Assert.Equal(2, report.SplitCounts[Split.Validation]);
        Assert.Equal(3, report.SplitCounts[Split.Test]);
        Assert.Equal(14, report.TotalCount);
        Assert.Equal([4, 4, 1], report.ClassCounts[Split.Train]);
        Assert.Equal([1, 1, 0], report.ClassCounts[Split.Validation]);
        Assert.Equal([1, 0, 2], report.ClassCounts[Split.Test]);
    }

    [Fact]
    public void Inspect_WholeDatasetSampled_SizesAndUnreadableReasons()
    {
        var report = DatasetInspector.Inspect(SyntheticDataset.Make(withBadItems: true), new InspectOptions { SampleSize = 200 });

        Assert.Equal(14, report.SampledCount);
        // Widths 10, 12, …, 32 and heights 30, 29, …, 19 over the 12 readable images.
        Assert.Equal(new ImageSizeStats(12, 10, 21, 32, 19, 24.5, 30), report.Sizes);
        var unreadable = report.Unreadable.OrderBy(u => u.Id, StringComparer.Ordinal).ToArray();
        Assert.Equal(2, unreadable.Length);
        Assert.Equal(("test/cats/notes.jpg", RejectReason.UnknownFormat), (unreadable[0].Id, unreadable[0].Reason));
        Assert.Equal(("train/dogs/missing.jpg", RejectReason.Unreadable), (unreadable[1].Id, unreadable[1].Reason));
        Assert.Contains("Could not find file", unreadable[1].Message);
    }

    [Fact]
    public void Inspect_SampleImage_ShapeAndEightBitPixelRange()
    {
        var dataset = SyntheticDataset.Make(withBadItems: false);
        var report = DatasetInspector.Inspect(dataset, new InspectOptions { Seed = 7 });

        var check = Assert.IsType<SampleImageCheck>(report.SampleImage);
        int i = dataset.Items.Select(item => item.Id).ToList().IndexOf(check.Id);
        var colour = SyntheticDataset.ColourOf(i);
        Assert.Equal((30 - i, 10 + 2 * i, 3), (check.Height, check.Width, check.Channels));
        Assert.Equal($"{30 - i}×{10 + 2 * i}×3", check.Shape);
        Assert.Equal(Math.Min(colour.R, Math.Min(colour.G, colour.B)), check.PixelMin);
        Assert.Equal(Math.Max(colour.R, Math.Max(colour.G, colour.B)), check.PixelMax);
    }

    [Fact]
    public void Inspect_SmallSampleSameSeed_SameSample()
    {
        var dataset = SyntheticDataset.Make(withBadItems: true);
        var options = new InspectOptions { SampleSize = 5, Seed = 3 };
        var first = DatasetInspector.Inspect(dataset, options);
        var second = DatasetInspector.Inspect(dataset, options);

        Assert.Equal(5, first.SampledCount);
        Assert.Equal(first.Sizes, second.Sizes);
        Assert.Equal(first.SampleImage, second.SampleImage);
        Assert.Equal(first.Unreadable, second.Unreadable);
    }

    [Fact]
    public void Inspect_NothingReadable_NullStatistics()
    {
        var item = new DatasetItem("a.jpg", 0, Split.Train, () => ImageData.Encoded([]));
        var report = DatasetInspector.Inspect(new ImageDataset("/x", DatasetFormat.Folder, ["a"], [item], "none"));
        Assert.Null(report.Sizes);
        Assert.Null(report.SampleImage);
        Assert.Equal(RejectReason.Empty, Assert.Single(report.Unreadable).Reason);
    }

    [Fact]
    public void Inspect_ListingWarnings_CarriedIntoReport()
    {
        var plain = SyntheticDataset.Make(withBadItems: false);
        var dataset = new ImageDataset(plain.Root, plain.Format, plain.ClassNames, plain.Items, plain.SplitSource, ["shard 3 truncated"]);
        Assert.Equal(["shard 3 truncated"], DatasetInspector.Inspect(dataset, new InspectOptions { SampleSize = 1 }).DatasetWarnings);
    }

    [Fact]
    public void Inspect_NegativeSampleSize_GraftException() =>
        Assert.Throws<GraftException>(() => DatasetInspector.Inspect(SyntheticDataset.Make(false), new InspectOptions { SampleSize = -1 }));
}

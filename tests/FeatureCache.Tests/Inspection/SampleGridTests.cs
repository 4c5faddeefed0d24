using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Datasets.Inspection;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Tests.Decoding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.FeatureCache.Tests.Inspection;

public sealed class SampleGridTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("graft-grid-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Render_2x3_PngOfExpectedSizeWithEachTilesColour()
    {
        var dataset = SyntheticDataset.Make(withBadItems: false);
        var path = Path.Combine(_folder, "sub", "grid.png");

        var result = SampleGrid.Render(dataset, path, rows: 2, columns: 3, seed: 5);

        Assert.True(File.Exists(path));
        Assert.Equal((3 * SampleGrid.CellWidth, 2 * SampleGrid.CellHeight), (result.Width, result.Height));
        Assert.Equal(6, result.TileIds.Count);
        Assert.Equal(6, result.TileIds.Distinct().Count());
        using var png = Image.Load<Rgb24>(path);
        Assert.Equal((result.Width, result.Height), (png.Width, png.Height));
        var ids = dataset.Items.Select(i => i.Id).ToList();
        for (int tile = 0; tile < 6; tile++)
        {
            var expected = SyntheticDataset.ColourOf(ids.IndexOf(result.TileIds[tile]));
            var (x, y) = TileCentre(tile, columns: 3);
            TestImages.Near(expected, png[x, y], 1);
        }
    }

    [Fact]
    public void Render_SameSeed_SameTiles()
    {
        var dataset = SyntheticDataset.Make(withBadItems: false);
        var a = SampleGrid.Render(dataset, Path.Combine(_folder, "a.png"), 2, 2, seed: 9);
        var b = SampleGrid.Render(dataset, Path.Combine(_folder, "b.png"), 2, 2, seed: 9);
        Assert.Equal(a.TileIds, b.TileIds);
        Assert.Equal(File.ReadAllBytes(a.Path), File.ReadAllBytes(b.Path));
    }

    [Fact]
    public void Render_Titles_DrawnWhenAFontWorksOtherwiseWarned()
    {
        var result = SampleGrid.Render(SyntheticDataset.Make(false), Path.Combine(_folder, "t.png"), 1, 1);
        if (!result.TitlesRendered)
        {
            Assert.NotEmpty(result.Warnings);
            Assert.False(File.Exists("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), "DejaVu Sans is installed but no title was drawn.");
            return;
        }
        Assert.Empty(result.Warnings);
        Assert.NotNull(result.Font);
        using var png = Image.Load<Rgb24>(result.Path);
        int dark = 0;
        for (int y = SampleGrid.Margin; y < SampleGrid.Margin + SampleGrid.TitleHeight; y++)
            for (int x = 0; x < png.Width; x++)
                dark += png[x, y].R < 100 ? 1 : 0;
        Assert.True(dark > 10, $"only {dark} dark pixels in the title band");
    }

    [Fact]
    public void Render_UnreadableItemAndSmallDataset_GreyTileAndReason()
    {
        var good = SyntheticDataset.Solid("good.png", 0, Split.Train, 8, 8, new Rgb24(200, 10, 10));
        byte[] cut;
        using (var noise = TestImages.Noise(32, 32))
            cut = TestImages.Jpeg(noise)[..400];
        var bad = new DatasetItem("bad.jpg", 1, Split.Train, () => ImageData.Encoded(cut));
        var dataset = new ImageDataset("/x", DatasetFormat.Folder, ["good", "bad"], [good, bad], "none");

        var result = SampleGrid.Render(dataset, Path.Combine(_folder, "u.png"), rows: 2, columns: 2);

        Assert.Equal(2, result.TileIds.Count);
        Assert.Equal((2 * SampleGrid.CellWidth, 2 * SampleGrid.CellHeight), (result.Width, result.Height));
        var rejected = Assert.Single(result.Unreadable);
        Assert.Equal("bad.jpg", rejected.Id);
        Assert.Equal(RejectReason.Corrupt, rejected.Reason);
        using var png = Image.Load<Rgb24>(result.Path);
        int badTile = result.TileIds.ToList().IndexOf("bad.jpg");
        var (x, y) = TileCentre(badTile, columns: 2);
        Assert.Equal(new Rgb24(235, 235, 235), png[x + 60, y - 60]); // the empty tile's grey, away from its text
        var (gx, gy) = TileCentre(1 - badTile, columns: 2);
        Assert.Equal(new Rgb24(200, 10, 10), png[gx, gy]);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(5, 21)]
    public void Render_GridOutOfRange_GraftException(int rows, int columns) =>
        Assert.Throws<GraftException>(() => SampleGrid.Render(SyntheticDataset.Make(false), Path.Combine(_folder, "x.png"), rows, columns));

    private static (int X, int Y) TileCentre(int tile, int columns) =>
        (tile % columns * SampleGrid.CellWidth + SampleGrid.Margin + SampleGrid.TileSize / 2,
         tile / columns * SampleGrid.CellHeight + SampleGrid.Margin + SampleGrid.TitleHeight + SampleGrid.TileSize / 2);
}

namespace Graft.FeatureCache.Datasets.Tests;

/// <summary>Class names with newlines or terminal escapes are refused wherever they come from, naming the place and
/// never echoing the raw characters.</summary>
public sealed class ClassNameRulesTests
{
    [Fact]
    public void Load_CsvLabelWithQuotedNewline_RefusedNamingTheLine()
    {
        using var dir = new TempDir();
        dir.Write("a.png", TestImages.Png(1));
        dir.Write("b.png", TestImages.Png(2));
        dir.WriteText("m.csv", "path,label\na.png,ants\nb.png,\"bees\nwasps\"\n");

        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir["m.csv"]));

        // Before: 2 classes made classes.txt 3 lines long.
        Assert.Contains("line", e.Message);
        Assert.Contains("m.csv", e.Message);
        Assert.Contains("\"bees\\nwasps\"", e.Message);
        Assert.Contains("U+000A", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("red\u001b[31malert")]
    [InlineData("two\nlines")]
    [InlineData("bell\u0007")]
    [InlineData("nel\u0085")]
    [InlineData("sep\u2028")]
    public void Load_ClassFolderWithControlCharacter_RefusedNamingTheFolder(string name)
    {
        using var dir = new TempDir();
        dir.Write("ok/a.png", TestImages.Png(1));
        dir.Write($"{name}/b.png", TestImages.Png(2));

        var e = Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path));

        Assert.Contains("folder", e.Message);
        Assert.Contains($"U+{(int)ClassNameRules.FirstForbidden(name)!.Value:X4}", e.Message);
        Assert.Null(ClassNameRules.FirstForbidden(e.Message)); // nothing raw reaches a terminal
    }

    [Theory]
    [InlineData("Pepper, bell (red)")]
    [InlineData("café 🌶")]
    [InlineData("family 👨‍👩‍👧")] // joiners are format characters, not controls
    public void Load_PrintableUnicodeClassNames_Accepted(string name)
    {
        using var dir = new TempDir();
        dir.Write($"{name}/a.png", TestImages.Png(1));
        dir.Write("other/b.png", TestImages.Png(2));

        var ds = DatasetLoader.Load(dir.Path);

        Assert.Contains(name, ds.ClassNames);
    }

    [Fact]
    public void Visible_EscapesControls() =>
        Assert.Equal("a\\nb\\u001B[0m\\t", ClassNameRules.Visible("a\nb\u001b[0m\t"));
}

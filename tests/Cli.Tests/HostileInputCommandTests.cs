using System.Diagnostics;
using System.Text.Json;
using Graft.Cli.Tests.Fixtures;
using Graft.FeatureCache.Datasets;

namespace Graft.Cli.Tests;

/// <summary>
/// Hostile inputs end to end on the real ResNet18: link cycles, a FIFO and /dev/zero in class folders and on the
/// predict command line, the same picture in two splits, control characters in labels, empty ONNX files and output
/// paths that are files, folders, devices or /proc. Every command runs under a 120 s guard so a hang fails the test.
/// Device paths are only ever passed where a folder is expected: where a file is expected a FIFO stands in, because
/// a regression there would rename a temp file over /dev/null when the tests run as root.
/// </summary>
public sealed class HostileInputCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("graft-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string relative) => Path.Combine(_dir, relative);

    private static (int Exit, string Output) Graft(params string[] args) =>
        Task.Run(() => GraftCli.Run(args)).WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();

    private static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>train/{ants,bees} with 3 photos each, val/ants with a copy of a bees photo; a link cycle, a FIFO and a
    /// link to /dev/zero among them.</summary>
    private string HostileData()
    {
        var data = P("data");
        var rng = new Random(3);
        for (var i = 0; i < 3; i++)
        {
            Directory.CreateDirectory(Path.Combine(data, "train", "ants"));
            Directory.CreateDirectory(Path.Combine(data, "train", "bees"));
            SyntheticImages.Write(Path.Combine(data, "train", "ants", $"a{i}.png"), new(200, 40, 40), 40, rng);
            SyntheticImages.Write(Path.Combine(data, "train", "bees", $"b{i}.png"), new(40, 40, 200), 40, rng);
        }
        Directory.CreateDirectory(Path.Combine(data, "val", "ants"));
        File.Copy(Path.Combine(data, "train", "bees", "b0.png"), Path.Combine(data, "val", "ants", "copy.png"));
        File.CreateSymbolicLink(Path.Combine(data, "train", "ants", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(data, "train", "bees", "up"), "../..");
        MakeFifo(Path.Combine(data, "train", "ants", "x.jpg"));
        File.CreateSymbolicLink(Path.Combine(data, "train", "bees", "zero.jpg"), "/dev/zero");
        return data;
    }

    [Fact]
    public void Precompute_HostileFolder_EachRealImageOnceNonRegularFilesSkippedLeakageReported()
    {
        var data = HostileData();

        var (exit, output) = Graft("precompute", "--data", data, "--cache", P("cache"), "--json");

        Assert.True(exit == 0, output);
        var json = PrecomputeCommandTests.Json(output);
        Assert.Equal(9, json.GetProperty("total").GetInt32());
        Assert.Equal(6, json.GetProperty("computed").GetInt32());
        Assert.Equal(1, json.GetProperty("reused").GetInt32()); // the copy in val
        var skipped = json.GetProperty("skipped").EnumerateArray().ToList();
        Assert.Equal(["train/ants/x.jpg", "train/bees/zero.jpg"], skipped.Select(s => s.GetProperty("path").GetString()));
        Assert.All(skipped, s => Assert.StartsWith("NotARegularFile:", s.GetProperty("reason").GetString()));
        Assert.Equal(2, json.GetProperty("datasetWarnings").EnumerateArray().Count(w => w.GetString()!.Contains("cycle")));
        var leak = Assert.Single(json.GetProperty("splitLeakage").EnumerateArray().ToList());
        Assert.Equal(["train/bees/b0.png", "val/ants/copy.png"], leak.GetProperty("ids").EnumerateArray().Select(i => i.GetString()));

        var info = Graft("features", "info", "--cache", P("cache"));
        Assert.Equal(0, info.Exit);
        Assert.Contains("split leakage: 1 image(s) are in more than one split", info.Output);
        Assert.Contains("train/bees/b0.png = val/ants/copy.png (train, validation)", info.Output);

        var inspect = Graft("dataset", "inspect", "--data", data, "--grid", P("grid.png"));
        Assert.True(inspect.Exit == 0, inspect.Output);
        Assert.Contains("NotARegularFile", inspect.Output);

        var text = Graft("precompute", "--data", data, "--cache", P("cache"));
        Assert.Equal(0, text.Exit);
        Assert.Contains("split leakage: 1 image(s)", text.Output);
    }

    [Fact]
    public void Predict_DevZeroFifoAndAFolderWithALinkCycle_SkippedWithReasonsEachImageOnce()
    {
        var data = HostileData();
        Assert.Equal(0, Graft("precompute", "--data", data, "--cache", P("cache"), "--json").Exit);
        Assert.Equal(0, Graft("train-head", "--cache", P("cache"), "--out", P("run"), "--json").Exit);

        var (exit, output) = Graft("predict", "--run", P("run"), "/dev/zero", Path.Combine(data, "train", "ants", "x.jpg"), Path.Combine(data, "train"), "--json");

        Assert.True(exit == 0, output);
        var rows = JsonDocument.Parse(output.Split('\n').First(l => l.StartsWith('['))).RootElement.EnumerateArray().ToList();
        string? Skipped(string path) => rows.Single(r => r.GetProperty("path").GetString() == path).GetProperty("skipped").GetString();
        Assert.StartsWith("NotARegularFile:", Skipped("/dev/zero"));
        Assert.StartsWith("NotARegularFile:", Skipped(Path.Combine(data, "train", "ants", "x.jpg")));
        Assert.StartsWith("NotARegularFile:", Skipped(Path.Combine(data, "train", "bees", "zero.jpg")));
        // Before: the folder's cycles multiplied its photos (or never finished); now 6 photos, each once.
        Assert.Equal(6, rows.Count(r => r.GetProperty("skipped").ValueKind == JsonValueKind.Null));
        Assert.Equal(rows.Count, rows.Select(r => r.GetProperty("path").GetString()).Distinct().Count());
    }

    [Fact]
    public void Precompute_CsvLabelWithEscapeAndNewline_Exit2NamingTheLineNothingRawPrinted()
    {
        var rng = new Random(1);
        SyntheticImages.Write(P("a.png"), new(1, 2, 3), 40, rng);
        SyntheticImages.Write(P("b.png"), new(9, 9, 9), 40, rng);
        File.WriteAllText(P("m.csv"), "path,label\na.png,ants\nb.png,\"\u001b[2Jbees\nwasps\"\n");

        var (exit, output) = Graft("precompute", "--data", P("m.csv"), "--cache", P("cache"));

        Assert.Equal(2, exit);
        Assert.Contains("line", output);
        Assert.Contains("\\u001B[2Jbees\\nwasps", output);
        Assert.DoesNotContain('\u001b', output);
        Assert.False(Directory.Exists(Path.Combine(P("cache"), "sets")) && Directory.EnumerateFiles(P("cache"), "classes.txt", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public void Precompute_FileNameWithTerminalEscape_SkippedAndPrintedEscaped()
    {
        var rng = new Random(1);
        Directory.CreateDirectory(P("data/ants"));
        SyntheticImages.Write(P("data/ants/a.png"), new(1, 2, 3), 40, rng);
        File.WriteAllText(P("data/ants/evil\u001b[2J.png"), "not a png");

        var (exit, output) = Graft("precompute", "--data", P("data"), "--cache", P("cache"));

        Assert.Equal(0, exit);
        Assert.Contains("evil\\u001B[2J.png", output);
        Assert.DoesNotContain('\u001b', output);
    }

    [Theory]
    [InlineData("backbone", "show", "{onnx}")]
    [InlineData("backbone", "layers", "{onnx}")]
    [InlineData("precompute", "--data", "{data}", "--cache", "{cache}", "--backbone", "{onnx}")]
    public void ZeroByteOnnx_Exit2WithOneLine(params string[] template)
    {
        File.WriteAllBytes(P("empty.onnx"), []);
        var rng = new Random(1);
        Directory.CreateDirectory(P("data/a"));
        SyntheticImages.Write(P("data/a/1.png"), new(1, 2, 3), 40, rng);
        var args = template.Select(a => a.Replace("{onnx}", P("empty.onnx")).Replace("{data}", P("data")).Replace("{cache}", P("cache"))).ToArray();

        var (exit, output) = Graft(args);

        Assert.True(exit == 2, output); // before: exit 1, NullReferenceException
        Assert.Contains("error:", output);
        Assert.Contains("empty.onnx", output);
        Assert.DoesNotContain("internal error", output);
        Assert.DoesNotContain("NullReference", output);
    }

    public static TheoryData<string[]> WrongOutputs => new()
    {
        new[] { "precompute", "--data", "{data}", "--cache", "{file}" },
        new[] { "precompute", "--data", "{data}", "--cache", "/dev/null" },
        new[] { "precompute", "--data", "{data}", "--cache", "/proc/graft-test-x" },
        new[] { "precompute", "--data", "{data}", "--cache", "{file}/sub" },
        new[] { "features", "export", "--cache", "{cache}", "-o", "{file}" },
        new[] { "features", "export", "--cache", "{cache}", "-o", "/proc/graft-test-x" },
        new[] { "train-head", "--cache", "{cache}", "--out", "{file}" },
        new[] { "train-head", "--cache", "{cache}", "--out", "/dev/null" },
        new[] { "train-head", "--cache", "{cache}", "--out", "/proc/graft-test-x" },
        new[] { "dataset", "inspect", "--data", "{data}", "--grid", "{folder}" },
        new[] { "dataset", "inspect", "--data", "{data}", "--grid", "{fifo}" },
        new[] { "dataset", "inspect", "--data", "{data}", "--grid", "/proc/graft-test-x" },
        new[] { "export", "--run", "{folder}", "-o", "{folder}" },
        new[] { "export", "--run", "{folder}", "-o", "{fifo}" },
        new[] { "export", "--run", "{folder}", "-o", "/proc/graft-test-x" },
        new[] { "backbone", "import-keras", "--arch", "nasnet-mobile", "--random-init", "-o", "{folder}" },
    };

    [Theory]
    [MemberData(nameof(WrongOutputs))]
    public void OutputPathOfTheWrongKind_Exit2WithOneLineAndNothingTouched(string[] template)
    {
        File.WriteAllText(P("afile"), "keep me");
        Directory.CreateDirectory(P("afolder"));
        MakeFifo(P("fifo"));
        Directory.CreateDirectory(P("data/a"));
        SyntheticImages.Write(P("data/a/1.png"), new(1, 2, 3), 40, new Random(1));
        var args = template.Select(a => a.Replace("{data}", P("data")).Replace("{file}", P("afile")).Replace("{folder}", P("afolder"))
            .Replace("{fifo}", P("fifo")).Replace("{cache}", P("cache"))).ToArray();

        var (exit, output) = Graft(args);

        Assert.True(exit == 2, output); // before: exit 1 (IOException, FileNotFoundException), or /dev/null replaced
        Assert.StartsWith("error:", output.TrimStart());
        Assert.DoesNotContain("internal error", output);
        Assert.Equal("keep me", File.ReadAllText(P("afile")));
        Assert.Equal(FileKind.Fifo, FileNode.Stat(P("fifo")).Kind);
        Assert.Empty(Directory.EnumerateFileSystemEntries(P("afolder")));
        Assert.Equal(FileKind.CharacterDevice, FileNode.Stat("/dev/null").Kind);
    }
}

using System.Diagnostics;
using Graft.FeatureCache.Decoding;

namespace Graft.FeatureCache.Datasets.Tests;

/// <summary>
/// Folder datasets on file systems that fight back: link cycles, links and hard links to files listed elsewhere, a FIFO
/// and /dev/zero named like photos. Each listing and read runs under a 60 s guard, so a regression fails instead of
/// hanging the run.
/// </summary>
public sealed class HostileFileSystemTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    internal static T Within<T>(Func<T> work) => Task.Run(work).WaitAsync(Guard).GetAwaiter().GetResult();

    internal static void MakeFifo(string path) => Run("mkfifo", path);

    private static void Run(string tool, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(tool, args) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>ants and bees with three photos each.</summary>
    private static void AntsAndBees(TempDir dir)
    {
        for (var i = 0; i < 3; i++)
        {
            dir.Write($"ants/a{i}.png", TestImages.Png(10 + i));
            dir.Write($"bees/b{i}.png", TestImages.Png(20 + i));
        }
    }

    [Fact]
    public void Load_OneLinkCycleInAClassFolder_EachRealFileOnceAndTheCycleNotedOnce()
    {
        using var dir = new TempDir();
        AntsAndBees(dir);
        File.CreateSymbolicLink(dir["ants/up"], "..");

        var ds = Within(() => DatasetLoader.Load(dir.Path));

        // Before: .NET's recursion followed ants/up until the path was too long — 3 photos became 123, bees labelled ants.
        Assert.Equal(6, ds.Items.Count);
        Assert.Equal(["ants/a0.png", "ants/a1.png", "ants/a2.png", "bees/b0.png", "bees/b1.png", "bees/b2.png"], ds.Items.Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.All(ds.Items, i => Assert.Equal(i.Id.StartsWith("ants/") ? 0 : 1, i.Label));
        var note = Assert.Single(ds.Warnings);
        Assert.Contains("'ants/up' leads back to", note);
        Assert.Contains("cycle", note);
    }

    [Fact]
    public void Load_TwoLinkCycles_FinishesWithEachRealFileOnce()
    {
        using var dir = new TempDir();
        AntsAndBees(dir);
        File.CreateSymbolicLink(dir["ants/up"], "..");
        File.CreateSymbolicLink(dir["bees/up"], "..");

        var ds = Within(() => DatasetLoader.Load(dir.Path)); // before: exponential, never finished

        Assert.Equal(6, ds.Items.Count);
        Assert.Equal(2, ds.Warnings.Count(w => w.Contains("cycle")));
        Assert.Equal(ds.Items.Count, ds.Items.Select(i => i.Read().Bytes.Length).Count());
    }

    [Fact]
    public void Load_LinkAboveTheDatasetRoot_IsACycleNotAWalkOfTheDisk()
    {
        using var dir = new TempDir();
        AntsAndBees(dir);
        File.CreateSymbolicLink(dir["ants/top"], "/");

        var ds = Within(() => DatasetLoader.Load(dir.Path));

        Assert.Equal(6, ds.Items.Count);
        Assert.Contains(ds.Warnings, w => w.Contains("'ants/top'") && w.Contains("cycle"));
    }

    [Fact]
    public void Load_SplitFolderLinkedToAnother_NoImageInTwoSplits()
    {
        using var dir = new TempDir();
        dir.Write("train/ants/a.png", TestImages.Png(1));
        dir.Write("train/bees/b.png", TestImages.Png(2));
        dir.Write("test/ants/c.png", TestImages.Png(3));
        File.CreateSymbolicLink(dir["val"], "train");

        var ds = Within(() => DatasetLoader.Load(dir.Path));

        // Before: train's photos were listed again as validation — the same content in two splits.
        Assert.Equal(["train/ants/a.png", "train/bees/b.png", "test/ants/c.png"], ds.Items.Select(i => i.Id));
        Assert.Equal(0, ds.Count(Split.Validation));
        Assert.Equal(2, ds.Warnings.Count(w => w.Contains("is the same folder as")));
    }

    [Fact]
    public void Load_FileLinkedAndHardLinkedIntoOtherClasses_ListedOnceUnderItsRealClass()
    {
        using var dir = new TempDir();
        dir.Write("zebras/z.png", TestImages.Png(1));
        dir.Write("ants/a.png", TestImages.Png(2));
        File.CreateSymbolicLink(dir["ants/z-link.png"], "../zebras/z.png"); // walked before zebras, yet zebras keeps it
        Directory.CreateDirectory(dir["bees"]);
        Run("ln", dir["ants/a.png"], dir["bees/a-hard.png"]); // a hard link: the same file in bees

        var ds = Within(() => DatasetLoader.Load(dir.Path));

        Assert.Equal(["ants/a.png", "zebras/z.png"], ds.Items.Select(i => i.Id));
        Assert.Equal(["ants", "zebras"], ds.ClassNames);
        Assert.Contains(ds.Warnings, w => w.StartsWith("2 file(s) reached a second time"));
    }

    [Fact]
    public void Read_FifoNamedJpg_NotARegularFileWithoutOpeningIt()
    {
        using var dir = new TempDir();
        AntsAndBees(dir);
        MakeFifo(dir["ants/x.jpg"]);

        var ds = Within(() => DatasetLoader.Load(dir.Path));
        var fifo = ds.Items.Single(i => i.Id == "ants/x.jpg");

        var e = Within(() => Assert.Throws<ImageRejectedException>(fifo.Read)); // before: blocked forever in open()
        Assert.Equal(RejectReason.NotARegularFile, e.Reason);
        Assert.Contains("FIFO", e.Message);
    }

    [Fact]
    public void Read_LinkToDevZero_NotARegularFile()
    {
        using var dir = new TempDir();
        AntsAndBees(dir);
        File.CreateSymbolicLink(dir["bees/zero.jpg"], "/dev/zero");

        var ds = Within(() => DatasetLoader.Load(dir.Path));
        var zero = ds.Items.Single(i => i.Id == "bees/zero.jpg");

        var e = Within(() => Assert.Throws<ImageRejectedException>(zero.Read)); // before: OutOfMemory after gigabytes
        Assert.Equal(RejectReason.NotARegularFile, e.Reason);
        Assert.Contains("character device", e.Message);
    }

    [Fact]
    public void Read_CsvRowNamingDevZero_NotARegularFile()
    {
        using var dir = new TempDir();
        dir.Write("a.png", TestImages.Png(1));
        dir.WriteText("m.csv", "path,label\na.png,ants\n/dev/zero,bees\n");

        var ds = Within(() => DatasetLoader.Load(dir["m.csv"]));

        var e = Within(() => Assert.Throws<ImageRejectedException>(ds.Items.Single(i => i.Id == "/dev/zero").Read));
        Assert.Equal(RejectReason.NotARegularFile, e.Reason);
    }

    [Fact]
    public void Load_CsvManifestThatIsAFifo_RefusedWithoutOpening()
    {
        using var dir = new TempDir();
        MakeFifo(dir["m.csv"]);

        var e = Within(() => Assert.Throws<GraftException>(() => DatasetLoader.Load(dir["m.csv"])));
        Assert.Contains("FIFO", e.Message);
    }

    [Fact]
    public void Load_IdxFilesThatAreFifos_RefusedWithoutOpening()
    {
        using var dir = new TempDir();
        MakeFifo(dir["train-images-idx3-ubyte"]);
        MakeFifo(dir["train-labels-idx1-ubyte"]);

        var e = Within(() => Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path)));
        Assert.Contains("FIFO", e.Message);
    }

    [Fact]
    public void Read_FileOverTheCap_TooLarge()
    {
        using var dir = new TempDir();
        dir.Write("ants/big.png", new byte[3 * 1024 * 1024]);
        dir.Write("ants/ok.png", TestImages.Png(1));

        var ds = DatasetLoader.Load(dir.Path, new DatasetOptions { MaxFileMegabytes = 1 });

        var e = Assert.Throws<ImageRejectedException>(ds.Items.Single(i => i.Id == "ants/big.png").Read);
        Assert.Equal(RejectReason.TooLarge, e.Reason);
        Assert.Contains("1 MB limit", e.Message);
        Assert.Equal(TestImages.Png(1), ds.Items.Single(i => i.Id == "ants/ok.png").Read().Bytes);
    }

    [Theory]
    [InlineData(1024 * 1024, true)]
    [InlineData(1024 * 1024 + 1, false)]
    [InlineData(0, true)]
    public void ImageFileReader_CapIsInclusive(int size, bool reads)
    {
        using var dir = new TempDir();
        var path = dir.Write("f.bin", new byte[size]);
        if (reads) Assert.Equal(size, ImageFileReader.ReadBytes(path, 1).Length);
        else Assert.Equal(RejectReason.TooLarge, Assert.Throws<ImageRejectedException>(() => ImageFileReader.ReadBytes(path, 1)).Reason);
    }

    [Fact]
    public void Load_MaxFileMegabytesNotPositive_GraftException()
    {
        using var dir = new TempDir();
        AntsAndBees(dir);
        Assert.Throws<GraftException>(() => DatasetLoader.Load(dir.Path, new DatasetOptions { MaxFileMegabytes = 0 }));
    }

    [Fact]
    public void FileNode_TellsKindsAndIdentities()
    {
        using var dir = new TempDir();
        var file = dir.Write("a.png", TestImages.Png(1));
        File.CreateSymbolicLink(dir["link.png"], "a.png");
        MakeFifo(dir["fifo"]);

        Assert.Equal((FileKind.Regular, new FileInfo(file).Length), (FileNode.Stat(file).Kind, FileNode.Stat(file).Size));
        Assert.Equal(FileKind.Directory, FileNode.Stat(dir.Path).Kind);
        Assert.Equal(FileKind.Fifo, FileNode.Stat(dir["fifo"]).Kind);
        Assert.Equal(FileKind.CharacterDevice, FileNode.Stat("/dev/zero").Kind);
        Assert.Equal(FileKind.Missing, FileNode.Stat(dir["nothing"]).Kind);
        Assert.Equal(FileKind.SymbolicLink, FileNode.Stat(dir["link.png"], followLinks: false).Kind);
        Assert.Equal(FileNode.Stat(file).Identity, FileNode.Stat(dir["link.png"]).Identity);
        Assert.NotEqual(FileNode.Stat(file).Identity, FileNode.Stat(dir.Path).Identity);
    }
}

using Graft.Cli;
using Graft.ModelImport.Tests.Fixtures;
using Spectre.Console.Testing;

namespace Graft.ModelImport.Tests;

/// <summary><c>graft backbone import-keras</c> and <c>graft backbone layers</c> through the command harness.</summary>
public sealed class CliImportTests : IDisposable
{
    private readonly TempDir _temp = new("import");

    private string _dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private static (int Exit, string Output) Graft(params string[] args)
    {
        var console = new TestConsole().Width(250);
        return (GraftApp.Run(args, console), console.Output);
    }

    [Fact]
    public void ImportKeras_RandomMobile_WritesModelAndDescriptor_ThenLayersListsThem()
    {
        var onnx = Path.Combine(_dir, "nasnet_mobile.onnx");

        var (exit, output) = Graft("backbone", "import-keras", "--arch", "nasnet-mobile", "--random-init", "--seed", "2", "-o", onnx);

        Assert.Equal(0, exit);
        Assert.Contains("769 Keras layers", output);
        Assert.Contains("4,269,716", output);
        Assert.True(File.Exists(Path.ChangeExtension(onnx, ".json")));

        (exit, output) = Graft("backbone", "layers", Path.ChangeExtension(onnx, ".json"), "--tsv");

        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(770, lines.Length);
        Assert.Equal("index\tname\ttype\tparameters\toutput_shape", lines[0]);
        Assert.Equal("0\tinput_1\tInputLayer\t0\t[N,3,224,224]", lines[1]);
        Assert.Equal("1\tstem_conv1\tConv2D\t864\t[N,32,111,111]", lines[2]);
        Assert.Equal("768\tactivation_187\tActivation\t0\t[N,1056,7,7]", lines[^1]);
    }

    [Fact]
    public void ImportKeras_WeightsAndRandomInit_IsAUserError()
    {
        var (exit, output) = Graft("backbone", "import-keras", "--arch", "nasnet-large", "--random-init", "--weights", "x.h5", "-o", Path.Combine(_dir, "x.onnx"));
        Assert.Equal(2, exit);
        Assert.Contains("--random-init", output);
    }

    [Fact]
    public void ImportKeras_UnknownArch_ListsTheKnownOnes()
    {
        var (exit, output) = Graft("backbone", "import-keras", "--arch", "resnet50", "--random-init", "-o", Path.Combine(_dir, "x.onnx"));
        Assert.Equal(2, exit);
        Assert.Contains("nasnet-large, nasnet-mobile", output);
    }

    [Fact]
    public void ImportKeras_MissingWeightFile_IsAUserError()
    {
        var (exit, output) = Graft("backbone", "import-keras", "--arch", "nasnet-mobile", "--weights", Path.Combine(_dir, "none.h5"), "-o", Path.Combine(_dir, "x.onnx"));
        Assert.Equal(2, exit);
        Assert.Contains("does not exist", output);
    }
}

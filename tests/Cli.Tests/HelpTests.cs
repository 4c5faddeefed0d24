using Graft.Cli.Tests.Fixtures;

namespace Graft.Cli.Tests;

/// <summary>Every command's help renders: option descriptions are Spectre markup, so a stray bracket
/// (e.g. "path,label[,split]") turns <c>--help</c> into an internal error.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Commands() => new()
    {
        "precompute", "train-head", "evaluate", "report", "predict", "export", "finetune",
        "backbone list", "backbone show", "backbone import-keras", "backbone layers",
        "dataset inspect", "features info", "features export",
        "bench precompute", "bench heads", "bench finetune", "bench convert", "bench read", "bench nasnet",
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_RendersUsageAndOptions(string command)
    {
        var (exit, output) = GraftCli.Run([.. command.Split(' '), "--help"]);

        Assert.Equal(0, exit);
        Assert.Contains("USAGE:", output);
        Assert.Contains($"graft {command}", output);
        Assert.DoesNotContain("internal error:", output);
    }

    [Theory]
    [InlineData(new[] { "train-head", "--cache", "c", "--out", "r", "--hed", "mlp" }, "Unknown option 'hed'", "did you mean --head?")]
    [InlineData(new[] { "finetune", "--run", "r", "--train-top", "15", "--augmnet", "none" }, "Unknown option 'augmnet'", "did you mean --augment?")]
    [InlineData(new[] { "precompute", "--data", "d", "--zzzzzz" }, "Unknown option 'zzzzzz'", "graft COMMAND --help its options")]
    [InlineData(new[] { "backbone", "quantize", "resnet18", "--calibrate", "d", "--preprocess", "torch" }, "Unknown option 'preprocess'",
        "--preprocess belongs to other commands, not this one")]
    public void UnknownOption_ExitsTwoWithTheNearestOption(string[] args, string error, string hint)
    {
        var (exit, output) = GraftCli.Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(error, output);
        Assert.Contains(hint, output);
        Assert.DoesNotContain("   at ", output);
    }
}

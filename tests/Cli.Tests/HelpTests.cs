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
        "bench precompute", "bench heads", "bench finetune", "bench read", "bench nasnet",
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
}

using Graft.Cli.Tests.Fixtures;

namespace Graft.Cli.Tests;

/// <summary><c>--train-blocks</c> / <c>--train-stages</c> and <c>backbone layers --blocks</c>: user mistakes end with
/// exit 2 and one line.</summary>
public sealed class TrainUnitsCliTests
{
    [Fact]
    public void FineTune_TwoCounts_ExitsTwoNamingTheThreeFlags()
    {
        var (exit, output) = GraftCli.Run("finetune", "--run", "/nonexistent/run", "--train-top", "2", "--train-stages", "1");
        Assert.Equal(2, exit);
        Assert.Contains("Give one of --train-top, --train-blocks and --train-stages", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void BackboneLayersBlocks_ModelWithoutModuleNames_ExitsTwoAndSaysWhy()
    {
        // ResNet18 is a CNTK export: node names carry no PyTorch module scopes, so it has layers but no blocks.
        var (exit, output) = GraftCli.Run("backbone", "layers", "resnet18", "--blocks");
        Assert.Equal(2, exit);
        Assert.Contains("no blocks", output);
        Assert.DoesNotContain("   at ", output);
    }
}

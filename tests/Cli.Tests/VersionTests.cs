using Graft.Cli.Tests.Fixtures;

namespace Graft.Cli.Tests;

public sealed class VersionTests
{
    [Fact]
    public void Version_PrintsThePackageVersion()
    {
        var (exit, output) = GraftCli.Run("--version");

        Assert.Equal(0, exit);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
    }
}

using Graft.Cli.Tests.Fixtures;
using Graft.FeatureCache.Backbones;

namespace Graft.Cli.Tests;

/// <summary>The README's NASNet path: a model imported to <c>models/onnx/nasnet_large.onnx</c> in the working folder
/// is found by <c>--backbone nasnet_large</c>, although the descriptor the catalog reads is the copy beside the
/// application.</summary>
public sealed class BackboneSearchOrderTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("graft-cwd-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private (int Exit, string Output) RunIn(string workingDirectory, params string[] args)
    {
        var (exit, stdout, stderr) = GraftCli.RunProcess(args, workingDirectory,
            new Dictionary<string, string?> { ["GRAFT_MODELS"] = null, ["GRAFT_HOME"] = Path.Combine(_work, "home") });
        return (exit, stdout + stderr);
    }

    [Fact]
    public void NasNetByName_FindsTheImportedFileInTheWorkingFoldersModels_AndSaysWhereItLooked()
    {
        var project = Directory.CreateDirectory(Path.Combine(_work, "project")).FullName;

        var (missingExit, missing) = RunIn(project, "backbone", "show", "nasnet_large", "--hash");
        Assert.Equal(2, missingExit);
        var order = new[]
        {
            Path.Combine(project, "models", "onnx", "nasnet_large.onnx"),
            Path.Combine(_work, "home", "models", "nasnet_large.onnx"),
        };
        var flat = missing.Replace("\n", "", StringComparison.Ordinal);
        var at = order.Select(p => flat.IndexOf(p, StringComparison.Ordinal)).ToArray();
        Assert.All(at, i => Assert.True(i >= 0, missing));
        Assert.True(at[0] < at[1], missing);

        // Any ONNX file stands in for the imported NASNet (the descriptor pins no hash): here ResNet18's.
        var resnet = BackboneModelFile.Open(BackboneCatalog.Default().Resolve("resnet18")).Path;
        var imported = Path.Combine(project, "models", "onnx", "nasnet_large.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(imported)!);
        File.Copy(resnet, imported);

        var (exit, output) = RunIn(project, "backbone", "show", "nasnet_large", "--hash");
        Assert.Equal(0, exit);
        Assert.Contains(ModelHash.Compute(imported), output);
        Assert.Contains(imported, output.Replace("\n", "", StringComparison.Ordinal));
        var (_, list) = RunIn(project, "backbone", "list");
        Assert.Contains("nasnet_large.onnx (user file, present)", list);
    }
}

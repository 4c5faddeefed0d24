using Graft.Cli.Tests.Fixtures;
using Graft.FeatureCache.Tests.Fixtures;

namespace Graft.Cli.Tests;

/// <summary>A backbone given as a bare .onnx with preprocessing flags is in no catalog: precompute keeps its
/// descriptor with the features, so train-head's run carries it and predict (and fine-tune, export) find the model
/// without the flags being repeated.</summary>
public sealed class AdHocBackboneRunTests : IDisposable
{
    private readonly TempDir _dir = new("adhoc");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void BareOnnxWithFlags_RunKeepsItsDescriptor_PredictUsesTheSamePreprocessing()
    {
        var model = TinyOnnx.Write(_dir.File("mine.onnx"), size: 24);
        var data = _dir.File("data");
        SyntheticImages.WriteFolderDataset(data, 2, new Dictionary<string, int> { ["train"] = 8, ["val"] = 4 });
        var cache = _dir.File("cache");
        var (exit, output) = GraftCli.Run("precompute", "--data", data, "--cache", cache, "--backbone", model,
            "--preprocess", "torch", "--image-size", "24");
        Assert.True(exit == 0, output);
        var kept = Directory.GetFiles(Path.Combine(cache, "sets"), "backbone.json", SearchOption.AllDirectories);
        Assert.Single(kept);
        Assert.Contains(Path.GetFullPath(model), File.ReadAllText(kept[0]));

        var run = _dir.File("run");
        (exit, output) = GraftCli.Run("train-head", "--cache", cache, "--out", run);
        Assert.True(exit == 0, output);
        var descriptor = File.ReadAllText(Path.Combine(run, "backbone.json"));
        Assert.Contains("\"width\": 24", descriptor); // the image size the flags gave, not a default

        var image = Directory.GetFiles(Path.Combine(data, "val"), "*", SearchOption.AllDirectories).Order().First();
        (exit, output) = GraftCli.Run("predict", "--run", run, image, "--json");
        Assert.True(exit == 0, output);
        Assert.Contains(Path.GetFileName(image), output);
    }
}

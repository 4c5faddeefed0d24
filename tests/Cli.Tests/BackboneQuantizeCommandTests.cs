using Google.Protobuf;
using Graft.Cli.Tests.Fixtures;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Onnx;
using Onnx;

namespace Graft.Cli.Tests;

/// <summary><c>graft backbone quantize</c> end to end on a tiny generated CNN and a synthetic photo folder, and each
/// bad input as one line and exit 2.</summary>
public sealed class BackboneQuantizeCommandTests : IDisposable
{
    private readonly TempDir _dir = new("quantize-cli");

    public void Dispose() => _dir.Dispose();

    /// <summary>Conv(3→8, 3×3) → Relu → GlobalAveragePool → Flatten, or just a Relu when <paramref name="conv"/> is false.</summary>
    private string TinyModel(string name, bool conv = true)
    {
        var g = new GraphProto { Name = name };
        g.Input.Add(OnnxProto.FloatValue("input", null, 3, 16, 16));
        if (conv)
        {
            var rng = new Random(3);
            g.Initializer.Add(OnnxProto.FloatTensor("W", [8, 3, 3, 3], Enumerable.Range(0, 216).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()));
            g.Initializer.Add(OnnxProto.FloatTensor("B", [8], Enumerable.Range(0, 8).Select(i => i * 0.01f).ToArray()));
            g.Node.Add(OnnxProto.Node("Conv", "conv", ["input", "W", "B"], OnnxProto.Ints("kernel_shape", 3, 3), OnnxProto.Ints("pads", 1, 1, 1, 1)));
            g.Node.Add(OnnxProto.Node("Relu", "relu", ["conv"]));
            g.Node.Add(OnnxProto.Node("GlobalAveragePool", "pool", ["relu"]));
            g.Node.Add(OnnxProto.Node("Flatten", "features", ["pool"], OnnxProto.Int("axis", 1)));
            g.Output.Add(OnnxProto.FloatValue("features", null, 8));
        }
        else
        {
            g.Node.Add(OnnxProto.Node("Relu", "relu", ["input"]));
            g.Node.Add(OnnxProto.Node("GlobalAveragePool", "features", ["relu"]));
            g.Output.Add(OnnxProto.FloatValue("features", null, 3, 1, 1));
        }
        var model = new ModelProto { IrVersion = 7, Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        var path = _dir.File(name + ".onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private string Photos()
    {
        var root = _dir.File("photos");
        if (!Directory.Exists(root))
            SyntheticImages.WriteFolderDataset(root, 2, new Dictionary<string, int> { ["train"] = 6, ["val"] = 2 }, size: 24);
        return root;
    }

    [Fact]
    public void Quantize_TinyModel_WritesModelAndDescriptor_AndItsFeaturesAreASeparateFeatureSet()
    {
        var model = TinyModel("tiny");
        var photos = Photos();
        var (exit, output) = GraftCli.Run("backbone", "quantize", model, "--calibrate", photos, "--images", "8", "--out", _dir.File("out"), "--sensitivity");
        Assert.True(exit == 0, output);
        Assert.Contains("1 nodes in int8", output);
        Assert.Contains("conv", output); // the sensitivity table names the layer
        var descriptor = _dir.File("out/tiny-int8.json");
        var d = BackboneDescriptor.Load(descriptor);
        Assert.Equal(ModelHash.Compute(_dir.File("out/tiny-int8.onnx")), d.Sha256);
        Assert.Contains(OnnxModelReader.Read(_dir.File("out/tiny-int8.onnx")).Graph.Node, n => n.OpType == "QuantizeLinear");

        var cache = _dir.File("cache");
        Assert.Equal(0, GraftCli.Run("precompute", "--data", photos, "--backbone", model, "--cache", cache).Exit);
        Assert.Equal(0, GraftCli.Run("precompute", "--data", photos, "--backbone", descriptor, "--cache", cache).Exit);
        var (_, info) = GraftCli.Run("features", "info", "--cache", cache);
        Assert.Contains("tiny-int8", info);
        var sets = Graft.FeatureCache.Store.FeatureStore.OpenOrCreate(cache).Sets;
        Assert.Equal(2, sets.Count); // float32 and int8 features never share a set
        Assert.Equal(2, sets.Select(x => x.Spec.ModelSha256).Distinct().Count());
    }

    [Fact]
    public void Quantize_ImagesZero_Exit2()
    {
        var (exit, output) = GraftCli.Run("backbone", "quantize", TinyModel("tiny"), "--calibrate", Photos(), "--images", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--images 0", output);
    }

    [Fact]
    public void Quantize_MissingDataFolder_Exit2()
    {
        var (exit, output) = GraftCli.Run("backbone", "quantize", TinyModel("tiny"), "--calibrate", _dir.File("no-such-folder"), "--out", _dir.File("out"));
        Assert.Equal(2, exit);
        Assert.Contains("no-such-folder", output);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public void Quantize_DataWithNoImages_Exit2()
    {
        var empty = _dir.File("empty");
        _dir.Write("empty/train/ants/readme.txt", "no photos here"u8.ToArray());
        _dir.Write("empty/train/bees/notes.txt", "none here either"u8.ToArray());
        var (exit, output) = GraftCli.Run("backbone", "quantize", TinyModel("tiny"), "--calibrate", empty, "--out", _dir.File("out"));
        Assert.Equal(2, exit);
        Assert.Contains("error:", output);
        Assert.DoesNotContain("internal error", output);
        Assert.False(File.Exists(_dir.File("out/tiny-int8.onnx")));
    }

    [Fact]
    public void Quantize_ModelWithNoConvMatMulOrGemm_Exit2()
    {
        var (exit, output) = GraftCli.Run("backbone", "quantize", TinyModel("relu_only", conv: false), "--calibrate", Photos(), "--out", _dir.File("out"));
        Assert.Equal(2, exit);
        Assert.Contains("no Conv, MatMul or Gemm", output);
    }

    [Fact]
    public void Quantize_OutNamingAFile_Exit2AndNothingWritten()
    {
        // --out is the folder for NAME-int8.onnx/.json; "x.onnx" would otherwise become a folder called x.onnx.
        var (exit, output) = GraftCli.Run("backbone", "quantize", TinyModel("tiny"), "--calibrate", Photos(), "--out", _dir.File("tiny-int8.onnx"));
        Assert.Equal(2, exit);
        Assert.Contains("--out", output);
        Assert.Contains("names a folder", output);
        Assert.False(Directory.Exists(_dir.File("tiny-int8.onnx")));
        Assert.False(File.Exists(_dir.File("tiny-int8.onnx")));
    }
}

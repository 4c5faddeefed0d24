using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Tests.Fixtures;
using Onnx;
using Graft.FeatureCache.Onnx;

namespace Graft.FeatureCache.Tests.Backbones;

/// <summary>The gatekeeper of model files: where a file is looked for, what is refused before it is run, and that
/// derived copies are verified like the original.</summary>
public sealed class BackboneModelFileTests : IDisposable
{
    private readonly TempDir _dir = new("gate");

    public void Dispose() => _dir.Dispose();

    private static float[] Features(BackboneDescriptor d, out string runPath)
    {
        using var b = OnnxBackbone.Load(d, new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = 3 });
        var rng = new Random(5);
        for (var i = 0; i < 3 * 3 * 16 * 16; i++) b.InputBuffer[i] = (float)rng.NextDouble();
        b.Run(3);
        runPath = b.ModelPath;
        return b.OutputBuffer.AsSpan(0, 3 * b.Dimension).ToArray();
    }

    [Fact]
    public void BatchedCopy_AlteredAfterItWasMade_IsRebuiltNotRun()
    {
        // A seed no other test uses: the copy lives under the shared GRAFT_HOME, keyed by the original's hash.
        var model = TinyOnnx.Write(_dir.File("fixed.onnx"), fixedBatch: true, seed: 4101);
        var d = OnnxBackboneTests.Tiny(model, fixedBatch: true);
        var genuine = Features(d, out var copy);
        Assert.NotEqual(model, copy);

        // Replace the copy by a same-shaped model with other weights, as a damaged or tampered file would be.
        var impostor = TinyOnnx.Write(_dir.File("impostor.onnx"), fixedBatch: false, seed: 4102);
        var impostorFeatures = Features(OnnxBackboneTests.Tiny(impostor), out _);
        Assert.True(genuine.Zip(impostorFeatures).Max(p => Math.Abs(p.First - p.Second)) > 1e-3f, "the impostor must compute other features");
        File.Copy(impostor, copy, overwrite: true);

        var again = Features(d, out var copyAgain);

        Assert.Equal(copy, copyAgain);
        Assert.Equal(genuine, again);
        Assert.NotEqual(ModelHash.Compute(impostor), ModelHash.Compute(copyAgain));
    }

    [Fact]
    public void BatchedCopy_WithoutItsHashRecord_IsRebuilt()
    {
        var model = TinyOnnx.Write(_dir.File("fixed2.onnx"), fixedBatch: true, seed: 4103);
        var d = OnnxBackboneTests.Tiny(model, fixedBatch: true);
        var genuine = Features(d, out var copy);
        File.Delete(copy + ".sha256");
        File.WriteAllBytes(copy, File.ReadAllBytes(TinyOnnx.Write(_dir.File("other.onnx"), seed: 4104)));

        Assert.Equal(genuine, Features(d, out _));
        Assert.True(File.Exists(copy + ".sha256"));
    }

    [Fact]
    public void Open_PinnedHashDiffers_RefusesNamingBothHashes()
    {
        var model = TinyOnnx.Write(_dir.File("pinned.onnx"), seed: 4105);
        var d = OnnxBackboneTests.Tiny(model) with { Sha256 = new string('a', 64) };

        var e = Assert.Throws<GraftException>(() => BackboneModelFile.Open(d));

        Assert.Contains(ModelHash.Compute(model)[..12], e.Message);
        Assert.Contains("aaaaaaaaaaaa", e.Message);
    }

    [Fact]
    public void OpenExpecting_OtherModel_Refuses()
    {
        var model = TinyOnnx.Write(_dir.File("m.onnx"), seed: 4106);
        var e = Assert.Throws<GraftException>(() => BackboneModelFile.OpenExpecting(OnnxBackboneTests.Tiny(model), new string('b', 64), "hint"));
        Assert.Contains("bbbbbbbbbbbb", e.Message);
        Assert.Equal("hint", e.Hint);
    }

    public static TheoryData<string> NotModels => new() { "empty", "graphless", "garbage", "devzero", "folder" };

    [Theory]
    [MemberData(nameof(NotModels))]
    public void Read_NotAModel_IsOneGraftException(string kind)
    {
        var path = _dir.File(kind + ".onnx");
        switch (kind)
        {
            case "empty": File.WriteAllBytes(path, []); break;
            case "graphless": File.WriteAllBytes(path, new ModelProto { IrVersion = 8, ProducerName = "x" }.ToByteArray()); break;
            case "garbage": File.WriteAllBytes(path, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]); break;
            case "devzero": File.CreateSymbolicLink(path, "/dev/zero"); break;
            case "folder": Directory.CreateDirectory(path); break;
        }

        var e = Assert.Throws<GraftException>(() => OnnxModelReader.Read(path));
        Assert.Contains(Path.GetFileName(path), e.Message);
        // The same answer where users meet it: a bare .onnx as a backbone.
        Assert.Throws<GraftException>(() => BackboneCatalog.Default().Resolve(path));
    }

    [Fact]
    public void Locate_UserFile_SearchesModelsFolderGraftHomeThenDescriptorFolder_AndSaysSo()
    {
        var name = $"gate-{Guid.NewGuid():N}.onnx";
        var descriptorDir = Directory.CreateDirectory(_dir.File("descriptors")).FullName;
        var source = new ModelFileSource { Path = name };

        var e = Assert.Throws<GraftException>(() => ModelFileLocator.Locate(source, descriptorDir));
        var order = new[]
        {
            Path.GetFullPath(Path.Combine("models", "onnx", name)),
            Path.Combine(GraftHome.Directory, "models", name),
            Path.Combine(descriptorDir, name),
        };
        var positions = order.Select(p => e.Message.IndexOf(p, StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0, e.Message));
        Assert.Equal(positions.Order(), positions);

        // Beside the descriptor: found there; in $GRAFT_HOME/models: that one wins.
        TinyOnnx.Write(Path.Combine(descriptorDir, name), seed: 4107);
        Assert.Equal(Path.Combine(descriptorDir, name), ModelFileLocator.Locate(source, descriptorDir));
        var home = Path.Combine(GraftHome.Directory, "models", name);
        Directory.CreateDirectory(Path.GetDirectoryName(home)!);
        TinyOnnx.Write(home, seed: 4108);
        try
        {
            Assert.Equal(home, ModelFileLocator.Locate(source, descriptorDir));
        }
        finally
        {
            File.Delete(home);
        }
    }
}

using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Tests.Fixtures;
using Onnx;

namespace Graft.FeatureCache.Tests.Backbones;

/// <summary>A zero-byte or graph-less .onnx parses as an empty ModelProto (protobuf has no "empty file" error): it
/// must be a user error naming the file, never a NullReferenceException (exit 1).</summary>
public sealed class EmptyOnnxTests : IDisposable
{
    private readonly TempDir _dir = new("onnx");

    public void Dispose() => _dir.Dispose();

    private string ZeroBytes()
    {
        var path = _dir.File("empty.onnx");
        File.WriteAllBytes(path, []);
        return path;
    }

    private string GraphLess()
    {
        var path = _dir.File("graphless.onnx");
        File.WriteAllBytes(path, new ModelProto { IrVersion = 8, ProducerName = "nothing" }.ToByteArray());
        return path;
    }

    [Fact]
    public void Resolve_ZeroByteOnnx_GraftExceptionNamingIt()
    {
        var path = ZeroBytes();
        var e = Assert.Throws<GraftException>(() => BackboneCatalog.Default().Resolve(path));
        Assert.Contains("empty.onnx", e.Message);
        Assert.Contains("no graph", e.Message);
    }

    [Fact]
    public void Resolve_GraphLessOnnx_GraftException() =>
        Assert.Contains("no graph", Assert.Throws<GraftException>(() => BackboneCatalog.Default().Resolve(GraphLess())).Message);

    [Fact]
    public void EnsureBatchedCopy_ZeroByteModel_GraftException() =>
        Assert.Throws<GraftException>(() => BatchDimension.EnsureBatchedCopy(ZeroBytes(), new string('e', 64)));
}

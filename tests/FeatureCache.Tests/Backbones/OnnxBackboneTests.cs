using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Tests.Fixtures;

namespace Graft.FeatureCache.Tests.Backbones;

public sealed class OnnxBackboneTests : IDisposable
{
    private readonly TempDir _dir = new("onnx");

    public void Dispose() => _dir.Dispose();

    internal static BackboneDescriptor Tiny(string path, int size = 16, int dim = 8, string output = "features",
        OutputPooling pooling = OutputPooling.InGraph, bool fixedBatch = false, TensorLayout layout = TensorLayout.Nchw) => new()
    {
        Name = "tiny",
        Model = new ModelFileSource { Path = path },
        Input = new BackboneInput { Name = "input", FixedBatch = fixedBatch },
        Preprocess = new PreprocessSpec { Width = size, Height = size, Layout = layout },
        Output = new BackboneOutput { Name = output, Dimension = dim, Pooling = pooling },
    };

    private static void FillRandom(float[] buffer, int count, int seed)
    {
        var rng = new Random(seed);
        for (var i = 0; i < count; i++) buffer[i] = (float)rng.NextDouble();
    }

    private static float[] RunOne(OnnxBackbone b, float[] input, int index, int tensorLength)
    {
        input.AsSpan(index * tensorLength, tensorLength).CopyTo(b.InputBuffer);
        b.Run(1);
        return b.OutputBuffer.AsSpan(0, b.Dimension).ToArray();
    }

    [Fact]
    public void Run_Batch_MatchesOneImageAtATime()
    {
        var model = TinyOnnx.Write(_dir.File("tiny.onnx"));
        using var b = OnnxBackbone.Load(Tiny(model), new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = 5 });
        const int len = 3 * 16 * 16;
        var inputs = new float[5 * len];
        FillRandom(inputs, inputs.Length, 7);

        inputs.CopyTo(b.InputBuffer, 0);
        b.Run(5);
        var batched = b.OutputBuffer.ToArray();

        for (var i = 0; i < 5; i++)
        {
            var single = RunOne(b, inputs, i, len);
            for (var j = 0; j < 8; j++) Assert.Equal(batched[i * 8 + j], single[j], 1e-6f);
        }
        Assert.Contains(batched, v => v > 0.01f); // features are not all zero
    }

    [Fact]
    public void Load_FixedBatchModel_RunsBatchesThroughSymbolicCopy()
    {
        var model = TinyOnnx.Write(_dir.File("fixed.onnx"), fixedBatch: true, seed: 3);
        using var b = OnnxBackbone.Load(Tiny(model, fixedBatch: true), new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = 4 });
        FillRandom(b.InputBuffer, b.InputBuffer.Length, 1);

        b.Run(4);

        Assert.NotEqual(model, b.ModelPath);
        Assert.EndsWith(Path.Combine(b.ModelSha256, "batched.onnx"), b.ModelPath);
        Assert.Equal(BackboneTestsShared.Sha256(model), b.ModelSha256);
    }

    [Fact]
    public void Run_SpatialOutput_GraftPoolingEqualsInGraphPooling()
    {
        var pooledModel = TinyOnnx.Write(_dir.File("pooled.onnx"), seed: 9);
        var mapModel = TinyOnnx.Write(_dir.File("map.onnx"), seed: 9, pool: false);
        var options = new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = 3 };
        using var pooled = OnnxBackbone.Load(Tiny(pooledModel), options);
        using var map = OnnxBackbone.Load(Tiny(mapModel, output: "relu", pooling: OutputPooling.GlobalAverage), options);
        FillRandom(pooled.InputBuffer, pooled.InputBuffer.Length, 2);
        pooled.InputBuffer.CopyTo(map.InputBuffer, 0);

        pooled.Run(3);
        map.Run(3);

        for (var i = 0; i < 24; i++) Assert.Equal(pooled.OutputBuffer[i], map.OutputBuffer[i], 1e-5f);
    }

    [Fact]
    public void Load_WrongHash_ThrowsGraftExceptionNamingBoth()
    {
        var model = TinyOnnx.Write(_dir.File("tiny.onnx"));
        var d = Tiny(model) with { Sha256 = new string('0', 64) };

        var e = Assert.Throws<GraftException>(() => OnnxBackbone.Load(d, new BackboneRunOptions { Device = ExecutionDevice.Cpu }));

        Assert.Contains("expects 000000000000", e.Message);
    }

    [Fact]
    public void Load_WrongOutputName_ListsTheModelsOutputs()
    {
        var model = TinyOnnx.Write(_dir.File("tiny.onnx"));
        var e = Assert.Throws<GraftException>(() => OnnxBackbone.Load(Tiny(model, output: "logits"), new BackboneRunOptions { Device = ExecutionDevice.Cpu }));
        Assert.Contains("no output 'logits' (it has: features)", e.Message);
    }

    [Fact]
    public void Load_DescriptorSizeDisagreesWithModel_ThrowsGraftException()
    {
        var model = TinyOnnx.Write(_dir.File("tiny.onnx"), size: 16);
        var e = Assert.Throws<GraftException>(() => OnnxBackbone.Load(Tiny(model, size: 32), new BackboneRunOptions { Device = ExecutionDevice.Cpu }));
        Assert.Contains("[N,3,32,32]", e.Message);
    }

    [Fact]
    public void Load_CudaRequestedWithoutGpu_ThrowsClearErrorOrRunsOnGpu()
    {
        var model = TinyOnnx.Write(_dir.File("tiny.onnx"));
        if (ExecutionDevice.NvidiaDriverPresent(out _))
        {
            using var onGpu = OnnxBackbone.Load(Tiny(model), new BackboneRunOptions { Device = ExecutionDevice.Parse("cuda:0") });
            Assert.Contains("CUDA", onGpu.DeviceDescription);
            return;
        }
        var e = Assert.Throws<GraftException>(() => OnnxBackbone.Load(Tiny(model), new BackboneRunOptions { Device = ExecutionDevice.Parse("cuda") }));
        Assert.Contains("CUDA 0 was requested", e.Message);
        using var auto = OnnxBackbone.Load(Tiny(model), new BackboneRunOptions { Device = ExecutionDevice.Auto });
        Assert.StartsWith("device: CPU", auto.DeviceDescription);
        Assert.Contains("no NVIDIA GPU driver", auto.DeviceDescription);
    }

    [Theory]
    [InlineData("auto", "auto")]
    [InlineData("CPU", "cpu")]
    [InlineData("cuda", "cuda:0")]
    [InlineData("cuda:3", "cuda:3")]
    public void Parse_ValidDevices_RoundTrip(string text, string expected) => Assert.Equal(expected, ExecutionDevice.Parse(text).ToString());

    [Fact]
    public void Parse_BadDevice_ThrowsGraftException() => Assert.Throws<GraftException>(() => ExecutionDevice.Parse("tpu"));
}

internal static class BackboneTestsShared
{
    public static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
}

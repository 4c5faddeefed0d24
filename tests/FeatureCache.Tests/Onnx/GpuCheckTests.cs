using Graft.Bench.Gpu;
using Graft.FeatureCache.Backbones;

namespace Graft.FeatureCache.Tests.Onnx;

/// <summary><c>graft bench gpu</c>'s logic with the CPU as the "device": everything the GPU check does except the
/// CUDA provider itself, small.</summary>
public sealed class GpuCheckTests
{
    [Fact]
    public void CpuDryRun_Resnet18_BothPrecisionsMeasuredAndAgree()
    {
        var r = GpuCheck.Run(new GpuCheckOptions
        {
            Device = ExecutionDevice.Cpu, Models = ["resnet18"], BatchSizes = [1, 2], Images = 4, CompareImages = 2, SecondsPerBatchSize = 0.05, Threads = 1,
        });
        Assert.True(r.Passed);
        Assert.Equal("synthetic", r.Photos);
        Assert.Equal(4, r.Images);
        Assert.Null(r.Gpu); // no nvidia-smi on a CPU machine
        Assert.Equal(["fp32", "fp16"], r.Variants.Select(v => v.Precision));
        var (f32, f16) = (r.Variants[0], r.Variants[1]);
        Assert.Equal("resnet18-fp16", f16.Backbone);
        Assert.NotEqual(f32.ModelSha256, f16.ModelSha256);
        Assert.InRange(f16.ModelMegabytes / f32.ModelMegabytes, 0.49, 0.51);
        foreach (var v in r.Variants)
        {
            Assert.Equal([1, 2], v.Batches.Select(b => b.BatchSize));
            Assert.All(v.Batches, b => Assert.True(b.ImagesPerSecond > 0 && b.Batches >= 2));
            Assert.True(v.PipelineImagesPerSecond > 0);
            Assert.Equal(1, v.DeviceVsCpu.MinCosine, 9); // same provider: the same numbers
            Assert.Contains("CPU", v.DeviceLine);
        }
        Assert.Null(f32.VersusFp32);
        Assert.True(f16.VersusFp32!.MinCosine > 0.9999, $"fp16 vs fp32 cosine {f16.VersusFp32.MinCosine}");
        Assert.True(f16.VersusFp32.MaxAbsDelta > 0);
    }

    [Fact]
    public void Cuda_OnAMachineWithoutNvidiaDriver_RefusedUpFront()
    {
        if (ExecutionDevice.NvidiaDriverPresent(out _)) return; // a GPU machine runs the real check instead
        var e = Assert.Throws<GraftException>(() => GpuCheck.Run(new GpuCheckOptions { Models = ["resnet18"] }));
        Assert.Contains("needs an NVIDIA GPU", e.Message);
    }

    [Fact]
    public void SyntheticPhotos_SameSeedSameFiles()
    {
        using var a = new TempDir("syn");
        using var b = new TempDir("syn");
        SyntheticPhotos.Write(a.Path, 3);
        SyntheticPhotos.Write(b.Path, 3);
        var files = Directory.GetFiles(a.Path, "*.jpg", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a.Path, f)).Order().ToList();
        Assert.Equal(["a/img_0000.jpg", "a/img_0002.jpg", "b/img_0001.jpg"], files);
        foreach (var f in files) Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, f)), File.ReadAllBytes(Path.Combine(b.Path, f)));
    }
}

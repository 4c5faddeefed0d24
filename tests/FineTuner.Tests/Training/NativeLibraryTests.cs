using TorchSharp;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Training;

/// <summary>Guards the Debian 12 patch (build/TorchSharpNative.targets): libLibTorchSharp.so asks for GLIBCXX_3.4.32,
/// which Debian's libstdc++ lacks; unpatched, the first tensor throws a misleading "no reference to libtorch".</summary>
public sealed class NativeLibraryTests
{
    [Fact]
    public void Matmul_OnCpu_LoadsLibTorchAndComputes()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = torch.tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var c = a.matmul(b);
        Assert.Equal([19f, 22f, 43f, 50f], c.data<float>().ToArray());
    }
}

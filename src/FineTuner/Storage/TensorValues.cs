using TorchSharp;
using static TorchSharp.torch;

namespace Graft.FineTuner.Storage;

/// <summary>Copies tensor contents into .NET arrays (from any device), disposing every intermediate handle.</summary>
internal static class TensorValues
{
    public static float[] Floats(Tensor t)
    {
        if (t.numel() == 0) return []; // data<T>() of an empty tensor throws

        using var scope = NewDisposeScope();
        var d = t.detach();
        if (d.device_type != DeviceType.CPU || d.dtype != ScalarType.Float32) d = d.to(ScalarType.Float32, CPU);
        return d.contiguous().data<float>().ToArray();
    }

    public static long[] Longs(Tensor t)
    {
        if (t.numel() == 0) return [];

        using var scope = NewDisposeScope();
        var d = t.detach();
        if (d.device_type != DeviceType.CPU || d.dtype != ScalarType.Int64) d = d.to(ScalarType.Int64, CPU);
        return d.contiguous().data<long>().ToArray();
    }
}

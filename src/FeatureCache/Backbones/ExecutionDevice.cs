namespace Graft.FeatureCache.Backbones;

/// <summary>Which hardware runs the backbone: <c>auto</c> (CUDA when usable, else CPU), <c>cpu</c>, or <c>cuda[:N]</c>.</summary>
public sealed record ExecutionDevice(ExecutionDeviceKind Kind, int CudaDeviceId = 0)
{
    public static ExecutionDevice Auto { get; } = new(ExecutionDeviceKind.Auto);
    public static ExecutionDevice Cpu { get; } = new(ExecutionDeviceKind.Cpu);

    /// <summary>Parses "auto", "cpu", "cuda" or "cuda:N"; throws <see cref="GraftException"/> otherwise.</summary>
    public static ExecutionDevice Parse(string? text)
    {
        var t = (text ?? "auto").Trim().ToLowerInvariant();
        if (t is "auto" or "") return Auto;
        if (t == "cpu") return Cpu;
        if (t == "cuda" || t == "gpu") return new(ExecutionDeviceKind.Cuda, 0);
        if ((t.StartsWith("cuda:", StringComparison.Ordinal) || t.StartsWith("gpu:", StringComparison.Ordinal))
            && int.TryParse(t[(t.IndexOf(':') + 1)..], out var id) && id >= 0)
            return new(ExecutionDeviceKind.Cuda, id);
        throw new GraftException($"Unknown device '{text}'.", "Use auto, cpu, cuda or cuda:N.");
    }

    /// <summary>A cheap look for an NVIDIA driver before trying to load the CUDA provider: on a machine without one the
    /// answer is immediate and the log line says why CUDA was not used.</summary>
    public static bool NvidiaDriverPresent(out string reason)
    {
        if (File.Exists("/proc/driver/nvidia/version") || File.Exists("/dev/nvidiactl") || File.Exists("/dev/nvidia0"))
        {
            reason = "NVIDIA driver found";
            return true;
        }
        if (OperatingSystem.IsWindows())
        {
            reason = "Windows: trying the CUDA provider";
            return true;
        }
        reason = "no NVIDIA GPU driver on this machine (/proc/driver/nvidia absent)";
        return false;
    }

    public override string ToString() => Kind switch
    {
        ExecutionDeviceKind.Cuda => $"cuda:{CudaDeviceId}",
        ExecutionDeviceKind.Cpu => "cpu",
        _ => "auto",
    };
}

public enum ExecutionDeviceKind
{
    Auto,
    Cpu,
    Cuda,
}

using TorchSharp;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Training;

/// <summary>Picks the TorchSharp device: CUDA when asked or (auto) when the loaded libtorch has CUDA and a GPU is
/// present, else the CPU. The libtorch build is chosen at build time (-p:LibTorchPackage=…).</summary>
public static class TorchDevice
{
    /// <summary>Returns the device and a log line saying why.</summary>
    public static (torch.Device Device, string Line) Resolve(string? text)
    {
        var t = (text ?? "auto").Trim().ToLowerInvariant();
        var cuda = torch.cuda.is_available();
        if (t is "" or "auto")
            return cuda
                ? (torch.CUDA, "device: CUDA GPU 0 (libtorch with CUDA)")
                : (torch.CPU, $"device: CPU ({torch.get_num_threads()} threads) — this libtorch has no usable CUDA (build with -p:LibTorchPackage=libtorch-cuda-12.8-linux-x64 on a GPU machine)");
        if (t == "cpu") return (torch.CPU, $"device: CPU ({torch.get_num_threads()} threads), as requested");
        if (t.StartsWith("cuda", StringComparison.Ordinal) || t.StartsWith("gpu", StringComparison.Ordinal))
        {
            var index = t.Contains(':') && int.TryParse(t[(t.IndexOf(':') + 1)..], out var i) ? i : 0;
            if (!cuda)
                throw new GraftException($"--device {text}: the libtorch this build loads has no usable CUDA.",
                    "Build with -p:LibTorchPackage=libtorch-cuda-12.8-linux-x64 on a machine with an NVIDIA driver, or use --device cpu.");
            return (new torch.Device(DeviceType.CUDA, index), $"device: CUDA GPU {index}, as requested");
        }
        throw new GraftException($"Unknown device '{text}'.", "Use auto, cpu, cuda or cuda:N.");
    }
}

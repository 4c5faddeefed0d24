using TorchSharp;
using Graft.FeatureCache.Backbones;

namespace Graft.FineTuner.Training;

/// <summary>Picks the TorchSharp device: CUDA when asked or (auto) when the loaded libtorch has CUDA and a GPU is
/// present, else the CPU. The libtorch build is chosen at build time (-p:LibTorchPackage=…).</summary>
public static class TorchDevice
{
    /// <summary>Returns the device and a log line saying why; <paramref name="text"/> is parsed by the one device
    /// parser (<see cref="ExecutionDevice.Parse"/>), so precompute and fine-tuning accept the same spellings.</summary>
    public static (torch.Device Device, string Line) Resolve(string? text) => Resolve(ExecutionDevice.Parse(text));

    /// <summary>Returns the TorchSharp device for <paramref name="device"/> and a log line saying why.</summary>
    public static (torch.Device Device, string Line) Resolve(ExecutionDevice device)
    {
        var cuda = torch.cuda.is_available();
        switch (device.Kind)
        {
            case ExecutionDeviceKind.Cpu:
                return (torch.CPU, $"device: CPU ({torch.get_num_threads()} threads), as requested");
            case ExecutionDeviceKind.Cuda:
                if (!cuda)
                    throw new GraftException($"--device {device}: the libtorch this build loads has no usable CUDA.",
                        "Build with -p:LibTorchPackage=libtorch-cuda-12.8-linux-x64 on a machine with an NVIDIA driver, or use --device cpu.");
                return (new torch.Device(DeviceType.CUDA, device.CudaDeviceId), $"device: CUDA GPU {device.CudaDeviceId}, as requested");
            default:
                return cuda
                    ? (torch.CUDA, "device: CUDA GPU 0 (libtorch with CUDA)")
                    : (torch.CPU, $"device: CPU ({torch.get_num_threads()} threads) — this libtorch has no usable CUDA (build with -p:LibTorchPackage=libtorch-cuda-12.8-linux-x64 on a GPU machine)");
        }
    }
}

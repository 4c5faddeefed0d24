using System.Diagnostics;

namespace Graft.Bench.Gpu;

/// <summary>What nvidia-smi says about the GPU (name, driver, the CUDA version the driver supports, memory), and a
/// sampler of used GPU memory while a measurement runs. Everything is null where nvidia-smi is absent (a CPU run).</summary>
public static class NvidiaSmi
{
    /// <summary>One line per GPU: "name, driver_version, memory.total [MiB]", plus the driver's CUDA version; null
    /// when nvidia-smi is not installed or fails.</summary>
    public static string? Describe()
    {
        var query = Run("--query-gpu=name,driver_version,memory.total --format=csv,noheader", 10_000);
        if (query is null) return null;
        var header = Run("", 10_000);
        var cuda = header?.Split('\n').Select(l => l.IndexOf("CUDA Version:", StringComparison.Ordinal) is var at and >= 0 ? l[(at + 13)..].Trim(' ', '|') : null)
            .FirstOrDefault(v => v is not null);
        return $"{string.Join("; ", query.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}; driver CUDA {cuda ?? "?"}";
    }

    /// <summary>Used memory of GPU <paramref name="device"/> in MiB now; null without nvidia-smi.</summary>
    public static double? UsedMegabytes(int device) =>
        double.TryParse(Run($"--query-gpu=memory.used --format=csv,noheader,nounits -i {device}", 5_000)?.Trim(), out var mb) ? mb : null;

    internal static string? Run(string arguments, int timeoutMs)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("nvidia-smi", arguments)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (p is null) return null;
            var output = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(timeoutMs))
            {
                p.Kill(entireProcessTree: true);
                return null;
            }
            return p.ExitCode == 0 ? output.Result : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }
}

/// <summary>Samples GPU memory in use (nvidia-smi, every ~100 ms, one long-running process) until disposed;
/// <see cref="PeakMegabytes"/> is the highest reading. Does nothing without nvidia-smi.</summary>
public sealed class GpuMemorySampler : IDisposable
{
    private readonly Process? _process;
    private double _peak = double.NaN;

    public GpuMemorySampler(int device)
    {
        try
        {
            _process = Process.Start(new ProcessStartInfo("nvidia-smi", $"--query-gpu=memory.used --format=csv,noheader,nounits -i {device} -lms 100")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (_process is null) return;
            _process.OutputDataReceived += (_, e) =>
            {
                if (double.TryParse(e.Data?.Trim(), out var mb)) lock (this) _peak = double.IsNaN(_peak) ? mb : Math.Max(_peak, mb);
            };
            _process.BeginOutputReadLine();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            _process = null;
        }
    }

    /// <summary>Highest used memory seen so far (MiB), or null (no nvidia-smi, or no reading yet).</summary>
    public double? PeakMegabytes
    {
        get { lock (this) return double.IsNaN(_peak) ? null : _peak; }
    }

    public void Dispose()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(2000);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

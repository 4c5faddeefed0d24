using System.Runtime.InteropServices;

namespace Graft.Bench;

/// <summary>One line naming the machine a figure was measured on (CPU model, cores, memory, OS, runtime).</summary>
public static class MachineInfo
{
    public static string Describe()
    {
        var cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        var simd = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512" : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "AVX2" : "SSE";
        return $"{cpu}, {Environment.ProcessorCount} cores, {simd}, {memory:0} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}

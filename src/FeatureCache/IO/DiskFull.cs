namespace Graft;

/// <summary>
/// Recognises "the disk is full" (or the user's quota is used up) in any exception chain, so every command maps it to
/// one line and the CLI's "interrupted" exit code (3) instead of an internal error. .NET on Unix puts the errno in
/// <see cref="Exception.HResult"/> (ENOSPC 28, EDQUOT 122 on Linux, 69 on macOS); on Windows it is an HRESULT of
/// ERROR_DISK_FULL (112) or ERROR_HANDLE_DISK_FULL (39). Libraries that rewrap the IOException (ML.NET's model saver)
/// keep it as an inner exception; the message is the last resort.
/// </summary>
public static class DiskFull
{
    private const int Enospc = 28, EdquotLinux = 122, EdquotMac = 69;
    private const int WinDiskFull = unchecked((int)0x80070070), WinHandleDiskFull = unchecked((int)0x80070027);

    public static bool Is(Exception? e)
    {
        for (var depth = 0; e is not null && depth < 16; e = e.InnerException, depth++)
        {
            if (e is AggregateException { InnerExceptions.Count: > 0 } agg && agg.InnerExceptions.Any(Is)) return true;
            if (e is not IOException) continue;
            if (e.HResult is Enospc or EdquotLinux or WinDiskFull or WinHandleDiskFull) return true;
            if (e.HResult == EdquotMac && OperatingSystem.IsMacOS()) return true;
            var m = e.Message;
            if (m.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
                || m.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase)
                || m.Contains("not enough space on the disk", StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>The exception .NET throws on Linux for ENOSPC, for fault injection.</summary>
    public static IOException Exception(string path) => new($"No space left on device : '{path}'", Enospc);
}

using System.Diagnostics;

namespace Graft;

/// <summary>
/// An exclusive, inter-process lock on a file: a <see cref="FileStream"/> opened with <see cref="FileShare.None"/>,
/// which .NET on Unix turns into <c>flock(LOCK_EX | LOCK_NB)</c> (Windows: a share-mode lock). The kernel drops it when
/// the holder exits or is killed, so a crash never leaves a stale lock. Who holds it (pid and machine) is written to
/// <c>PATH.owner</c>, because the locked file itself cannot be opened by anyone else.
/// <para>NFS: Linux emulates flock with POSIX byte-range locks on NFS (kernel ≥ 2.6.12), which the NFS lock manager
/// honours across machines (NFSv4, or v3 with lockd); mounts with <c>nolock</c>/<c>local_lock=all</c> keep the lock
/// per machine only. <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1</c> turns the lock off entirely.</para>
/// The lock file is never deleted: removing a flock file while another process waits on it would let two holders in.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    public string Path { get; }

    /// <summary>Takes the lock, or returns null when another process (or another handle here) holds it.</summary>
    public static FileLock? TryAcquire(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (!DiskFull.Is(e) && File.Exists(path))
        {
            return null; // EWOULDBLOCK: held
        }
        try
        {
            File.WriteAllText(OwnerFile(path), $"{Environment.ProcessId} {Environment.MachineName}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Who holds it is only for messages; a full disk must not stop the lock from working.
        }
        return new FileLock(path, stream);
    }

    /// <summary>Takes the lock, waiting (polling) while another process holds it. <paramref name="onWait"/> is called
    /// once, with the holder's pid when known, before the first wait.</summary>
    public static FileLock Acquire(string path, Action<int?>? onWait = null, CancellationToken cancel = default, TimeSpan? poll = null)
    {
        var waited = false;
        while (true)
        {
            if (TryAcquire(path) is { } held) return held;
            if (!waited) onWait?.Invoke(Holder(path));
            waited = true;
            cancel.WaitHandle.WaitOne(poll ?? TimeSpan.FromMilliseconds(200));
            cancel.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The pid of the process holding the lock at <paramref name="path"/>, when it says so.</summary>
    public static int? Holder(string path)
    {
        try
        {
            var text = File.ReadAllText(OwnerFile(path)).Trim();
            return int.TryParse(text.Split(' ')[0], out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pid"/> is a live process on this machine.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static string OwnerFile(string path) => path + ".owner";

    public void Dispose()
    {
        // Owner first, lock second: a reader never sees this pid as the holder of a lock someone else took.
        try { File.Delete(OwnerFile(Path)); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _stream.Dispose();
    }
}

namespace Graft;

/// <summary>
/// Write-to-temporary-then-rename: readers see the old file or the whole new one, never a part. The temporary name
/// carries the process and thread (<c>NAME.PID.TID.tmp</c>), so concurrent writers never share one and a later run
/// can tell a dead writer's leftover (<see cref="Graft.FeatureCache.Store.StoreJanitor"/>); a failed write (a full
/// disk) removes its temporary file before the exception goes on. Every write passes the
/// <see cref="WriteFaults"/> seam.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, tmp => File.WriteAllBytes(tmp, bytes));

    /// <summary>Copies <paramref name="source"/> to <paramref name="path"/> through a temporary file.</summary>
    public static void Copy(string source, string path) => Write(path, tmp => File.Copy(source, tmp, overwrite: true));

    /// <summary>Calls <paramref name="write"/> with a temporary path beside <paramref name="path"/>, then renames it over
    /// <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var tmp = TempName(path);
        try
        {
            write(tmp);
            if (WriteFaults.Check(path) is { } fault)
            {
                Tear(tmp);
                throw fault;
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The temporary name <see cref="Write"/> uses for <paramref name="path"/> in this process and thread.</summary>
    public static string TempName(string path) => $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";

    // An injected fault leaves what a full disk leaves: the first half of the temporary file.
    private static void Tear(string tmp)
    {
        try
        {
            using var s = new FileStream(tmp, FileMode.Open, FileAccess.Write);
            s.SetLength(s.Length / 2);
        }
        catch (IOException) { }
    }
}

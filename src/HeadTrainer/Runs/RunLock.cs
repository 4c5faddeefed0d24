using System.Collections.Immutable;

namespace Graft.HeadTrainer.Runs;

/// <summary>
/// One writer per run folder: train-head, evaluate and finetune hold <c>RUN/.graft-writing.lock</c> (a
/// <see cref="FileLock"/>) while they write into it, and a second graft on the same folder stops at once with exit 2
/// and the holder's pid instead of interleaving files. Reentrant within one call chain (finetune evaluates the run it
/// holds), not across threads or processes.
/// </summary>
public static class RunLock
{
    public const string LockFile = ".graft-writing.lock";

    private static readonly AsyncLocal<ImmutableHashSet<string>> Held = new();

    /// <summary>Takes the lock of the run folder <paramref name="directory"/> (created when missing); throws
    /// <see cref="GraftException"/> when another graft holds it.</summary>
    public static IDisposable Acquire(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (File.Exists(full)) throw new GraftException($"Run folder '{full}' is a file.", "Pass a folder for the run.");
        var held = Held.Value ?? ImmutableHashSet<string>.Empty;
        if (held.Contains(full)) return new Release(null, full, reentered: true);
        Directory.CreateDirectory(full);
        var path = Path.Combine(full, LockFile);
        var fileLock = FileLock.TryAcquire(path);
        if (fileLock is null)
        {
            var pid = FileLock.Holder(path);
            throw new GraftException($"{full} is being written by another graft{(pid is { } p ? $" (pid {p})" : "")}.",
                "Wait for it to finish, or write to another folder.");
        }
        Held.Value = held.Add(full);
        return new Release(fileLock, full, reentered: false);
    }

    /// <summary>Files of the lock, which a run folder may hold besides the run's own.</summary>
    public static bool IsLockFile(string name) => name == LockFile || name == FileLock.OwnerFile(LockFile);

    private sealed class Release(FileLock? fileLock, string directory, bool reentered) : IDisposable
    {
        public void Dispose()
        {
            if (reentered) return;
            Held.Value = (Held.Value ?? ImmutableHashSet<string>.Empty).Remove(directory);
            fileLock?.Dispose();
        }
    }
}

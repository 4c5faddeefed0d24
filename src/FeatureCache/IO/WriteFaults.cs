namespace Graft;

/// <summary>
/// The fault-injection seam of every file the feature store and the run writers produce (cache marker, set.json,
/// segment headers and blocks, manifests, every file of a run folder). Writers call <see cref="Check"/> once per write
/// point; a plan installed by a test with <see cref="Inject"/> can make that write fail (a full disk, a torn write)
/// without a real full file system. The plan is per async flow (<see cref="AsyncLocal{T}"/>), so tests running in
/// parallel never see each other's faults, and production code pays one null check.
/// </summary>
public static class WriteFaults
{
    private static readonly AsyncLocal<IWritePlan?> Current = new();

    /// <summary>Installs <paramref name="plan"/> for this flow until the result is disposed.</summary>
    public static IDisposable Inject(IWritePlan plan)
    {
        var previous = Current.Value;
        Current.Value = plan;
        return new Restore(previous);
    }

    /// <summary>Called by a writer about to make <paramref name="path"/> durable (the final name, not a temporary).
    /// Returns the exception to fail with, or null. The writer decides how much of the write lands first (a torn write).</summary>
    public static Exception? Check(string path) => Current.Value?.Before(path);

    private sealed class Restore(IWritePlan? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}

/// <summary>Decides, write point by write point, which write fails.</summary>
public interface IWritePlan
{
    /// <summary>The exception the write to <paramref name="path"/> fails with, or null to let it through.</summary>
    Exception? Before(string path);
}

/// <summary>Fails the <see cref="FailAt"/>-th write (1-based) with ENOSPC; 0 fails none and only counts, so a test can
/// first list every write point of an operation and then fail each in turn.</summary>
public sealed class FailNthWrite(int failAt, Func<string, Exception>? fault = null) : IWritePlan
{
    private int _count;
    private readonly List<string> _paths = [];

    public int FailAt { get; } = failAt;

    /// <summary>Write points seen so far, in order.</summary>
    public IReadOnlyList<string> Paths { get { lock (_paths) return [.. _paths]; } }

    public Exception? Before(string path)
    {
        lock (_paths) _paths.Add(path);
        return Interlocked.Increment(ref _count) == FailAt ? (fault ?? DiskFull.Exception)(path) : null;
    }
}

using System.Globalization;

namespace Graft.FeatureCache.Store;

/// <summary>
/// Removes what killed or crashed writers leave in a feature set folder: segments without a single complete block
/// (created, then killed before the first block landed) and temporary files of atomic writes (<c>*.PID.TID.tmp</c>).
/// Runs in precompute under the set's lock, so it never races another precompute of the same shard; files of other
/// live writers are left alone: a segment still open for writing (its writer holds a shared flock, so an exclusive one
/// fails) or named after a live process on this machine, and anything younger than <see cref="ForeignAge"/> from
/// another machine (over NFS a writer's lock may be invisible here). Damaged segments are kept: they are evidence, and
/// reads already skip them.
/// </summary>
public static class StoreJanitor
{
    /// <summary>How old a leftover of another machine must be before it is removed.</summary>
    public static TimeSpan ForeignAge { get; } = TimeSpan.FromHours(1);

    /// <summary>Removes leftovers; returns the file names removed.</summary>
    public static IReadOnlyList<string> Clean(FeatureSet set, FeatureIndex index)
    {
        var removed = new List<string>();
        foreach (var scan in index.Scans)
        {
            if (scan.Records > 0 || scan.Damage.Count > 0 || !File.Exists(scan.Path)) continue;
            if (!OwnerGone(SegmentOwner(Path.GetFileName(scan.Path)), scan.Path)) continue;
            if (TryDeleteUnused(scan.Path)) removed.Add(Path.GetFileName(scan.Path));
        }
        foreach (var tmp in Directory.EnumerateFiles(set.Directory, "*.tmp"))
        {
            if (!OwnerGone(TempOwner(Path.GetFileName(tmp)), tmp)) continue;
            if (TryDeleteUnused(tmp)) removed.Add(Path.GetFileName(tmp));
        }
        return removed;
    }

    // seg-<time>-<machine>-<pid>-<guid>.gfs; the machine part never holds '-' (see FeatureSet.CreateWriter).
    private static (string? Machine, int? Pid) SegmentOwner(string name)
    {
        var parts = name.Split('-');
        return parts.Length == 5 && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? (parts[2], pid) : (null, null);
    }

    // NAME.<pid>.<thread>.tmp (AtomicFile) or NAME.<pid>.tmp (older writers). The name does not say which machine, so
    // the pid is read as this machine's: a temporary file lives for milliseconds, a dead writer's forever.
    private static (string? Machine, int? Pid) TempOwner(string name)
    {
        var parts = name.Split('.');
        static bool Int(string s, out int v) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        var here = Sanitized(Environment.MachineName);
        if (parts.Length >= 4 && Int(parts[^3], out var pid) && Int(parts[^2], out _)) return (here, pid);
        if (parts.Length >= 3 && Int(parts[^2], out pid)) return (here, pid);
        return (null, null);
    }

    private static bool OwnerGone((string? Machine, int? Pid) owner, string path)
    {
        var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(path);
        if (owner.Pid is not { } pid || owner.Machine != Sanitized(Environment.MachineName)) return age > ForeignAge;
        return !FileLock.IsAlive(pid);
    }

    // An exclusive lock fails while a writer still has the file open (its shared lock), on local file systems.
    private static bool TryDeleteUnused(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static string Sanitized(string machine) => new(machine.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').Take(24).ToArray());
}

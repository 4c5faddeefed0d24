using System.IO.Enumeration;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Lists the wanted files under a few folders without trusting the tree: every real file comes out once, however many
/// links or hard links reach it, and a link back to a folder already walked (a cycle such as <c>ants/up -> ..</c>, or a
/// second view of a folder) is not followed but noted once. .NET's recursive enumeration follows such links until the
/// path is too long — 3 photos became 123, and two loops never finish.
/// </summary>
/// <remarks>
/// Folders and files are told apart by identity (device + inode, see <see cref="FileNode"/>), not by path. The real
/// tree is walked first and symbolic links only afterwards, so a file reached both directly and through a link is
/// listed under its real path and the class it really sits in. Hidden entries (dot-names) are skipped as before;
/// FIFOs and devices with a wanted name are listed (never opened here) so the run reports them as skipped.
/// </remarks>
public sealed class FolderWalker
{
    private readonly Func<string, bool> _wanted;
    private readonly Dictionary<FileIdentity, string> _folders = [];
    private readonly HashSet<FileIdentity> _files = [];
    private readonly List<string> _notes = [];
    private readonly string _displayRoot;
    private int _duplicates;
    private string? _duplicateExample;

    /// <param name="wanted">Takes a file name; true when it is to be listed.</param>
    /// <param name="displayRoot">Paths in notes are shown relative to this folder.</param>
    public FolderWalker(Func<string, bool> wanted, string displayRoot)
    {
        _wanted = wanted;
        _displayRoot = displayRoot;
    }

    /// <summary>What the walk found odd, one line each: links not followed (cycles, second views), unreadable folders,
    /// and how many files were reached twice. Complete once <see cref="Walk"/> is enumerated to the end.</summary>
    public IReadOnlyList<string> Notes => _duplicates == 0
        ? _notes
        : [.. _notes, $"{_duplicates} file(s) reached a second time through a link or hard link were listed once (e.g. '{_duplicateExample}')."];

    /// <summary>The wanted files under <paramref name="roots"/>, each with the index of the root it was found under.
    /// Lazy: stop early (e.g. <c>Any()</c>) and only that much is walked.</summary>
    public IEnumerable<(int Root, string Path)> Walk(IReadOnlyList<string> roots)
    {
        // The folders above the roots (a dataset root, its split folders, up to /): a link back to one is a cycle, and
        // a link above the root would otherwise walk the whole disk.
        var above = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in roots)
            for (var dir = Path.GetDirectoryName(Path.GetFullPath(root)); dir is not null && above.Add(dir); dir = Path.GetDirectoryName(dir))
                if (FileNode.Stat(dir) is { Kind: FileKind.Directory } node) _folders.TryAdd(node.Identity, dir);

        var links = new Queue<(int Root, string Path)>();
        for (var r = 0; r < roots.Count; r++)
        {
            var node = FileNode.Stat(roots[r]);
            if (node.Kind != FileKind.Directory) continue;
            if (!Enter(node.Identity, roots[r], roots[r])) continue;
            foreach (var file in WalkTree(r, roots[r], links)) yield return file;
        }
        // Links last: whatever they reach that the real tree did not hold.
        while (links.TryDequeue(out var link))
        {
            var target = FileNode.Stat(link.Path);
            if (target.Kind == FileKind.Directory)
            {
                if (Enter(target.Identity, link.Path, link.Path))
                    foreach (var file in WalkTree(link.Root, link.Path, links)) yield return file;
                continue;
            }
            if (!_wanted(Path.GetFileName(link.Path))) continue;
            // A dangling link is listed: reading it reports the missing target for that item.
            if (target.Kind is FileKind.Missing or FileKind.Unknown || _files.Add(target.Identity)) yield return link;
            else Duplicate(link.Path);
        }
    }

    private IEnumerable<(int Root, string Path)> WalkTree(int root, string top, Queue<(int Root, string Path)> links)
    {
        var stack = new Stack<string>();
        stack.Push(top);
        while (stack.TryPop(out var folder))
        {
            List<Entry> entries;
            try
            {
                entries = [.. new FileSystemEnumerable<Entry>(folder, Transform, ImageFileExtensions.Enumeration(false))
                    { ShouldIncludePredicate = (ref FileSystemEntry e) => !e.FileName.StartsWith(".") }];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _notes.Add($"Cannot read folder '{Display(folder)}': {e.Message}");
                continue;
            }
            entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            // One lstat-like call per entry that matters (folders, wanted names): its kind says link, folder or file,
            // and its identity dedupes. Entries with other names are never examined.
            var kept = new List<(Entry Entry, FileNode Node)>(entries.Count);
            foreach (var e in entries)
                if (e.IsDirectory || _wanted(e.Name))
                    kept.Add((e, FileNode.Stat(e.Path, followLinks: false)));
            for (var i = kept.Count - 1; i >= 0; i--) // pushed in reverse: walked in ordinal order
                if (kept[i].Node.Kind == FileKind.Directory && Enter(kept[i].Node.Identity, kept[i].Entry.Path, kept[i].Entry.Path))
                    stack.Push(kept[i].Entry.Path);
            foreach (var (e, node) in kept)
            {
                if (node.Kind == FileKind.SymbolicLink)
                {
                    links.Enqueue((root, e.Path));
                    continue;
                }
                if (node.Kind == FileKind.Directory || !_wanted(e.Name)) continue;
                if (node.Kind is FileKind.Missing or FileKind.Unknown || _files.Add(node.Identity)) yield return (root, e.Path);
                else Duplicate(e.Path);
            }
        }
    }

    /// <summary>Marks a folder walked; false (with a note) when it already was, i.e. <paramref name="via"/> is a cycle or
    /// a second way into it.</summary>
    private bool Enter(FileIdentity folder, string path, string via)
    {
        if (_folders.TryAdd(folder, path)) return true;
        var first = _folders[folder];
        var cycle = via.StartsWith(first.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || via == first;
        _notes.Add(cycle
            ? $"'{Display(via)}' leads back to '{Display(first)}' (a link cycle); not followed."
            : $"'{Display(via)}' is the same folder as '{Display(first)}'; listed once, under the latter.");
        return false;
    }

    private void Duplicate(string path)
    {
        _duplicates++;
        _duplicateExample ??= Display(path);
    }

    private string Display(string path)
    {
        var relative = ClassNameRules.Visible(Path.GetRelativePath(_displayRoot, path).Replace('\\', '/'));
        return relative == "." ? Path.GetFileName(_displayRoot.TrimEnd(Path.DirectorySeparatorChar)) + "/" : relative;
    }

    // IsDirectory comes from the directory entry's type (no system call; a link is examined by .NET to say whether
    // it leads to a folder). Attributes would cost an lstat and a geteuid per entry, so it is not used.
    private static Entry Transform(ref FileSystemEntry e) => new(e.FileName.ToString(), e.ToFullPath(), e.IsDirectory);

    private readonly record struct Entry(string Name, string Path, bool IsDirectory);
}

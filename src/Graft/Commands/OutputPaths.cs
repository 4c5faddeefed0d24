using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;

namespace Graft.Cli.Commands;

/// <summary>
/// Checks a path the user named for output before any work starts, so a wrong one is a user mistake (exit 2, one
/// line) rather than an IOException at the end of a long run: a file where a folder is expected or the reverse, a
/// device or FIFO (Graft writes files atomically, a temp file renamed over the target, which would replace
/// <c>/dev/null</c> itself when run as root), or a place where nothing can be created (<c>/proc/x</c>, a read-only
/// mount). Nothing is created here except a probe folder that is removed at once.
/// </summary>
public static class OutputPaths
{
    /// <summary>A folder that exists and can be written in, or can be created. Returns the expanded path.</summary>
    public static string Folder(string path, string flag)
    {
        var expanded = ModelFileLocator.ExpandHome(path);
        var node = FileNode.Stat(Path.GetFullPath(expanded));
        switch (node.Kind)
        {
            case FileKind.Missing when Path.GetExtension(expanded).ToLowerInvariant() is ".onnx" or ".json" or ".zip":
                // `--out resnet18-int8.onnx` would otherwise become a folder of that name holding the files.
                throw new GraftException($"{flag} '{path}' looks like a file name, but {flag} names a folder here (the command names the files in it).",
                    $"Pass a folder for {flag}, e.g. {(Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".")}; see --help for how the files are named.");
            case FileKind.Directory:
            case FileKind.Missing:
                RequireCreatable(Path.GetFullPath(expanded), path, flag);
                return expanded;
            default:
                throw new GraftException($"{flag} '{path}' is {node.Describe()}; a folder is expected there.",
                    $"Pass a folder (new or existing) for {flag}.");
        }
    }

    /// <summary>A regular file to be written or replaced, in a folder that exists or can be created. Returns the
    /// expanded path.</summary>
    public static string File(string path, string flag)
    {
        var expanded = ModelFileLocator.ExpandHome(path);
        var full = Path.GetFullPath(expanded);
        var node = FileNode.Stat(full);
        switch (node.Kind)
        {
            case FileKind.Regular:
            case FileKind.Missing:
                RequireCreatable(Path.GetDirectoryName(full) ?? full, path, flag);
                return expanded;
            case FileKind.Directory:
                throw new GraftException($"{flag} '{path}' is a folder; a file name is expected there.",
                    $"Name the file to write, e.g. {Path.Combine(path, "out")}…");
            default:
                throw new GraftException($"{flag} '{path}' is {node.Describe()}, not a regular file; Graft writes a new file and renames it into place, which would replace it.",
                    $"Pass an ordinary file path for {flag}.");
        }
    }

    /// <summary>Throws unless <paramref name="folder"/> exists as a folder one can write in, or can be created: the nearest
    /// existing ancestor must be a folder in which a probe folder can be made.</summary>
    private static void RequireCreatable(string folder, string path, string flag)
    {
        var existing = folder;
        FileNode node;
        while ((node = FileNode.Stat(existing)).Kind == FileKind.Missing && Path.GetDirectoryName(existing) is { } parent)
            existing = parent;
        if (node.Kind != FileKind.Directory)
            throw new GraftException($"{flag} '{path}' cannot be created: '{existing}' is {node.Describe()}, not a folder.",
                $"Pass a path under an existing folder for {flag}.");
        var probe = Path.Combine(existing, $".graft-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GraftException($"{flag} '{path}' cannot be written: nothing can be created in '{existing}' ({e.Message.Replace($"'{probe}'", "a new entry")}).",
                $"Pass a path in a writable folder for {flag}.");
        }
    }
}

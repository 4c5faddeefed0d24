using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Graft.FeatureCache.Datasets;

/// <summary>What a path names, as the file system says without opening it.</summary>
public enum FileKind
{
    /// <summary>Nothing there (or a symbolic link whose target is missing).</summary>
    Missing,
    Regular,
    Directory,
    /// <summary>Only when links are not followed.</summary>
    SymbolicLink,
    /// <summary>A named pipe: opening it for reading blocks until a writer comes.</summary>
    Fifo,
    /// <summary>E.g. /dev/zero, /dev/urandom: reads never end.</summary>
    CharacterDevice,
    BlockDevice,
    Socket,
    /// <summary>The path could not be examined (permissions, a link loop); <see cref="FileNode.Error"/> says why.</summary>
    Unknown,
}

/// <summary>Which object a path reaches: two paths with equal identities are the same file or folder, whatever links
/// lead there. Device + inode on Linux; the fully resolved path elsewhere.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode, string? ResolvedPath);

/// <summary>
/// The type, size and identity of a path from one <c>statx</c> call (Linux; its struct layout is the same on every
/// architecture), so a FIFO or a device is recognised before anything opens it — .NET's own file APIs tell only
/// files from folders, and opening a FIFO blocks forever. Where <c>statx</c> is missing (another OS, a sandbox that
/// forbids it) the answer falls back to .NET's view: files and folders, identity by resolved path.
/// </summary>
public readonly partial record struct FileNode(FileKind Kind, long Size, FileIdentity Identity, string? Error = null)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtNoAutomount = 0x800;
    private const uint StatxType = 0x1, StatxIno = 0x100, StatxSize = 0x200;
    private const int Enoent = 2, Enotdir = 20, Eperm = 1, Enosys = 38;

    private static volatile bool _statxRefused = !OperatingSystem.IsLinux();

    public bool IsRegular => Kind == FileKind.Regular;

    /// <summary>Examines <paramref name="path"/>; follows symbolic links unless <paramref name="followLinks"/> is false.
    /// Never throws for what it finds (missing, unreadable, a link loop): see <see cref="Kind"/>.</summary>
    public static FileNode Stat(string path, bool followLinks = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return TryStatx(path, followLinks) ?? Managed(path, followLinks);
    }

    /// <summary>Throws <see cref="GraftException"/> unless <paramref name="path"/> is a regular file (or missing: the
    /// caller's open reports that). For a dataset's own files — manifests, label lists, IDX and TFRecord files — which
    /// are opened whole: a FIFO there would block forever, a device never end.</summary>
    public static void RequireRegularFile(string path, string what)
    {
        var node = Stat(path);
        if (node.Kind is not (FileKind.Regular or FileKind.Missing))
            throw new GraftException($"The {what} '{path}' is {node.Describe()}, not a regular file.", "Point at the dataset's real files.");
    }

    /// <summary>"a FIFO (named pipe)", "a character device" ... for messages.</summary>
    public string Describe() => Kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.Missing => "missing",
        _ => $"not examinable ({Error})",
    };

    private static unsafe FileNode? TryStatx(string path, bool followLinks)
    {
        if (_statxRefused) return null;
        var buffer = stackalloc byte[256]; // struct statx is 256 bytes
        int rc;
        try
        {
            rc = Statx(AtFdCwd, path, AtNoAutomount | (followLinks ? 0 : AtSymlinkNoFollow), StatxType | StatxIno | StatxSize, buffer);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _statxRefused = true; // not glibc, or a glibc older than 2.28
            return null;
        }
        var errno = rc == 0 ? 0 : Marshal.GetLastPInvokeError();
        if (rc != 0)
        {
            if (errno is Enosys or Eperm)
            {
                _statxRefused = true; // old kernel or a seccomp filter: use the managed view from now on
                return null;
            }
            return errno is Enoent or Enotdir
                ? new FileNode(FileKind.Missing, 0, default)
                : new FileNode(FileKind.Unknown, 0, default, Marshal.GetPInvokeErrorMessage(errno));
        }
        var span = new ReadOnlySpan<byte>(buffer, 256);
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(span[28..]);
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(span[32..]);
        var size = BinaryPrimitives.ReadInt64LittleEndian(span[40..]);
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(span[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(span[140..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Unknown,
        };
        return new FileNode(kind, size, new FileIdentity(device, inode, null));
    }

    private static FileNode Managed(string path, bool followLinks)
    {
        try
        {
            FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                if (!followLinks) return new FileNode(FileKind.SymbolicLink, 0, new FileIdentity(0, 0, Path.GetFullPath(path)));
                info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            }
            if (!info.Exists) return new FileNode(FileKind.Missing, 0, default);
            var identity = new FileIdentity(0, 0, Path.GetFullPath(info.FullName));
            return info is DirectoryInfo
                ? new FileNode(FileKind.Directory, 0, identity)
                : new FileNode(FileKind.Regular, ((FileInfo)info).Length, identity);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileNode(FileKind.Unknown, 0, default, e.Message);
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);
}

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Which files of a folder dataset are listed as images: by extension only, case-insensitive. A file named .jpg that
/// is not an image is still listed on purpose; the decoder rejects it later and the run reports it per item.
/// </summary>
public static class ImageFileExtensions
{
    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".tga", ".pbm",
    };

    public static bool IsImage(string path) => Known.Contains(Path.GetExtension(path));

    /// <summary>Dot-files and dot-folders (".DS_Store", ".ipynb_checkpoints") are never data.</summary>
    public static bool IsHidden(string path) => Path.GetFileName(path.TrimEnd(Path.DirectorySeparatorChar)).StartsWith('.');

    /// <summary>Enumeration that skips hidden and system entries and unreadable folders instead of failing.</summary>
    public static EnumerationOptions Enumeration(bool recurse) => new()
    {
        RecurseSubdirectories = recurse,
        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        IgnoreInaccessible = true,
        MatchType = MatchType.Simple,
    };
}

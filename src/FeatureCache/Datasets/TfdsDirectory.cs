namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Finds the version folder of a TensorFlow Datasets prepared directory (<c>data_dir/name/version/</c>, the folder that
/// holds <c>dataset_info.json</c>) from any of: the version folder, a file in it, the name folder (highest version wins,
/// semver order: 2.1.1 &gt; 2.1.0 &gt; 2.1.0-beta), or the data_dir when it holds exactly one dataset. TFDS's
/// unfinished folders (<c>1.0.0.incomplete…</c>, <c>incomplete.…</c>) do not parse as versions and are passed over.
/// </summary>
internal static class TfdsDirectory
{
    public const string InfoFileName = "dataset_info.json";

    /// <summary>The version folder, or null when <paramref name="path"/> is no TFDS directory. A data_dir with several
    /// datasets is ambiguous and throws <see cref="GraftException"/>.</summary>
    public static string? TryResolve(string path)
    {
        if (File.Exists(path))
        {
            var folder = Path.GetDirectoryName(path)!;
            return IsVersionFolder(folder) ? folder : null;
        }
        if (!Directory.Exists(path)) return null;
        if (IsVersionFolder(path)) return path;
        if (HighestVersion(path) is { } version) return version;

        var datasets = SubFolders(path).Select(d => (Name: d, Version: HighestVersion(d))).Where(d => d.Version is not null).ToArray();
        if (datasets.Length > 1)
            throw new GraftException(
                $"'{path}' holds {datasets.Length} TFDS datasets ({string.Join(", ", datasets.Select(d => Path.GetFileName(d.Name)))}).",
                $"Pass one of them, e.g. '{datasets[0].Name}'.");
        return datasets.Length == 1 ? datasets[0].Version : null;
    }

    private static bool IsVersionFolder(string folder) => File.Exists(Path.Combine(folder, InfoFileName));

    private static string? HighestVersion(string nameFolder) => SubFolders(nameFolder)
        .Select(d => (Folder: d, Version: SemanticVersion.TryParse(Path.GetFileName(d))))
        .Where(v => v.Version is not null && IsVersionFolder(v.Folder))
        .OrderByDescending(v => v.Version)
        .Select(v => v.Folder)
        .FirstOrDefault();

    private static IEnumerable<string> SubFolders(string folder) =>
        Directory.EnumerateDirectories(folder, "*", ImageFileExtensions.Enumeration(false))
            .Where(d => !ImageFileExtensions.IsHidden(d))
            .Order(StringComparer.Ordinal);

    /// <summary>major.minor.patch[-prerelease]; a release sorts after its prereleases.</summary>
    private sealed record SemanticVersion(Version Core, string? Prerelease) : IComparable<SemanticVersion>
    {
        public static SemanticVersion? TryParse(string text)
        {
            var dash = text.IndexOfAny(['-', '+']);
            var core = dash < 0 ? text : text[..dash];
            var pre = dash >= 0 && text[dash] == '-' ? text[(dash + 1)..] : null;
            return core.Count(c => c == '.') == 2 && Version.TryParse(core, out var v) ? new SemanticVersion(v, pre) : null;
        }

        public int CompareTo(SemanticVersion? other)
        {
            if (other is null) return 1;
            var byCore = Core.CompareTo(other.Core);
            if (byCore != 0) return byCore;
            if (Prerelease is null || other.Prerelease is null) return (Prerelease is null ? 1 : 0) - (other.Prerelease is null ? 1 : 0);
            return string.CompareOrdinal(Prerelease, other.Prerelease);
        }
    }
}

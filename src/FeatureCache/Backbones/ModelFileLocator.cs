namespace Graft.FeatureCache.Backbones;

/// <summary>
/// Finds a <see cref="ModelFileSource"/> on disk. Package files are looked up where NuGet puts them: the application's
/// build output (packages with content copy it there), then the NuGet global packages folder (NUGET_PACKAGES or
/// ~/.nuget/packages). A user file's relative path is looked up, in this order, in the working folder's
/// <c>models/onnx</c> (where the README's import command writes), <c>$GRAFT_HOME/models</c>, the descriptor's folder,
/// and the working folder — so a descriptor shipped beside the application still finds the file a user imported.
/// </summary>
public static class ModelFileLocator
{
    /// <summary>Returns the full path of the model file or throws <see cref="GraftException"/> saying where it looked.</summary>
    /// <param name="source">The file's source.</param>
    /// <param name="descriptorDirectory">Folder of the descriptor file, for relative user paths; may be null.</param>
    public static string Locate(ModelFileSource source, string? descriptorDirectory)
    {
        var tried = new List<string>();
        foreach (var candidate in Candidates(source, descriptorDirectory))
        {
            tried.Add(candidate);
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        var hint = source.IsPackage
            ? $"Restore the NuGet package {source.Package} {source.Version} (dotnet restore) or reference it from your project."
            : $"Put the file in one of those places (for NASNetLarge: graft backbone import-keras … -o models/onnx/{Path.GetFileName(source.Path)}), or give the descriptor an absolute path.";
        throw new GraftException($"Model file {source} not found (looked in: {string.Join(", ", tried.Distinct())}).", hint);
    }

    private static IEnumerable<string> Candidates(ModelFileSource source, string? descriptorDirectory)
    {
        var path = ExpandHome(source.Path);
        if (!source.IsPackage)
        {
            if (Path.IsPathRooted(path)) { yield return path; yield break; }
            yield return Path.GetFullPath(Path.Combine("models", "onnx", path));
            yield return Path.GetFullPath(Path.Combine(GraftHome.Directory, "models", path));
            if (descriptorDirectory is not null) yield return Path.GetFullPath(Path.Combine(descriptorDirectory, path));
            yield return Path.GetFullPath(path);
            yield break;
        }

        yield return Path.Combine(AppContext.BaseDirectory, path);
        var id = source.Package!.ToLowerInvariant();
        foreach (var root in NuGetRoots())
        {
            var packageDir = Path.Combine(root, id, source.Version ?? "");
            // Packages keep model files under tools/ (ML.NET's DnnImageModels), contentFiles/any/any/ or content/.
            yield return Path.Combine(packageDir, "tools", path);
            yield return Path.Combine(packageDir, "contentFiles", "any", "any", path);
            yield return Path.Combine(packageDir, "content", path);
            yield return Path.Combine(packageDir, path);
        }
    }

    private static IEnumerable<string> NuGetRoots()
    {
        var env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrEmpty(env)) yield return env;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home)) yield return Path.Combine(home, ".nuget", "packages");
    }

    /// <summary>Expands a leading "~/" to the user's home folder.</summary>
    public static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;
}

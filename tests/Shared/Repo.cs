namespace Graft.Tests.Shared;

/// <summary>Paths of the repository and the shared development data beside it.</summary>
public static class Repo
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Graft.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Graft.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>../shared/datasets/hymenoptera (real photos; development and tests only, never shipped).</summary>
    public static string Hymenoptera
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "datasets", "hymenoptera"));
            if (!Directory.Exists(path))
                throw new InvalidOperationException($"Real-photo tests need {path} (the shared hymenoptera set beside the clone).");
            return path;
        }
    }
}

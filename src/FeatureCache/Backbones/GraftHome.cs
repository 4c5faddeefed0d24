namespace Graft.FeatureCache.Backbones;

/// <summary>
/// Graft's per-user working folder for derived files that are expensive to remake but safe to delete (batched copies
/// of fixed-batch models, hash memos): $GRAFT_HOME, else $XDG_CACHE_HOME/graft, else ~/.cache/graft.
/// </summary>
public static class GraftHome
{
    public static string Directory
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("GRAFT_HOME");
            if (!string.IsNullOrEmpty(env)) return env;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "graft");
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "graft");
        }
    }
}

using System.Security.Cryptography;

namespace Graft.FeatureCache.Backbones;

/// <summary>SHA-256 of model files, memoised by (path, size, modification time) so a 340 MB NASNet file is hashed once.</summary>
public static class ModelHash
{
    /// <summary>Lower-case hex SHA-256 of the file's bytes.</summary>
    public static string Compute(string path)
    {
        var info = new FileInfo(path);
        var memoDir = Path.Combine(GraftHome.Directory, "hashes");
        var memoKey = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}")))[..32];
        var memo = Path.Combine(memoDir, memoKey);
        try
        {
            if (File.Exists(memo))
            {
                var text = File.ReadAllText(memo).Trim();
                if (text.Length == 64) return text;
            }
        }
        catch (IOException) { /* an unreadable memo is only a missed shortcut */ }

        string hash;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        try
        {
            Directory.CreateDirectory(memoDir);
            AtomicFile.WriteAllText(memo, hash);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return hash;
    }
}

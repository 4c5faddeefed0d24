using System.Runtime.CompilerServices;

namespace Graft.Tests.Shared;

/// <summary>
/// The one temp-folder fixture of every test project: a fresh folder under the system temp folder, deleted on
/// dispose. Relative paths use '/' and may name subfolders, which <see cref="Write"/> creates.
/// </summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string? prefix = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"graft-{prefix ?? "test"}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The absolute path of <paramref name="relative"/> inside the folder (nothing is created).</summary>
    public string File(string relative) => System.IO.Path.Combine(Path, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    /// <summary>Same as <see cref="File"/>.</summary>
    public string this[string relative] => File(relative);

    /// <summary>Writes a file, creating its folders; returns its absolute path.</summary>
    public string Write(string relative, byte[] bytes)
    {
        var full = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, bytes);
        return full;
    }

    public string WriteText(string relative, string text) => Write(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Test processes keep Graft's per-user files (hash memos, batched model copies) in a private
/// <c>GRAFT_HOME</c>, never the user's; child processes inherit it.</summary>
internal static class TestGraftHome
{
    [ModuleInitializer]
    internal static void Use()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GRAFT_HOME")))
            Environment.SetEnvironmentVariable("GRAFT_HOME", System.IO.Path.Combine(System.IO.Path.GetTempPath(), "graft-tests-home"));
    }
}

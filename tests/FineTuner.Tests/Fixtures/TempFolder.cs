using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
namespace Graft.FineTuner.Tests.Fixtures;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "graft-ft-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
        // Hash memos and batched model copies go to a private GraftHome, never the user's.
        Environment.SetEnvironmentVariable("GRAFT_HOME", System.IO.Path.Combine(System.IO.Path.GetTempPath(), "graft-ft-tests-home"));
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

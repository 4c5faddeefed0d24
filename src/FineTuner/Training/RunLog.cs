using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
namespace Graft.FineTuner.Training;

/// <summary>The log of a fine-tuning call: each line is kept for the result and reported as it comes (the library
/// never prints; the CLI renders the reports).</summary>
internal sealed class RunLog
{
    private readonly List<string> _lines = [];
    private readonly IProgress<FineTuneProgress>? _progress;

    /// <param name="progress">Receives every line as a message.</param>
    /// <param name="setup">Lines already known (the session's setup), said first.</param>
    public RunLog(IProgress<FineTuneProgress>? progress, IEnumerable<string> setup)
    {
        _progress = progress;
        foreach (var line in setup) Say(line);
    }

    public IReadOnlyList<string> Lines => _lines;

    public void Say(string line)
    {
        _lines.Add(line);
        _progress?.Report(new FineTuneProgress("setup", 0, 0, 0, Message: line));
    }
}

using Graft.FineTuner.Training;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Fixtures;

/// <summary>IProgress that runs the handler on the reporting thread (Progress&lt;T&gt; would post it later).</summary>
internal sealed class SyncProgress(Action<FineTuneProgress> handler) : IProgress<FineTuneProgress>
{
    public void Report(FineTuneProgress value) => handler(value);
}

using System.Diagnostics;
using Spectre.Console;

namespace Graft.Cli.Rendering;

/// <summary>
/// Progress of work counted in items (images predicted, heads benchmarked): a progress bar on a terminal; on a pipe or
/// CI log one plain line every ten seconds and one at the end, so a long run always shows signs of life.
/// </summary>
public static class CountProgressView
{
    public static T Run<T>(IAnsiConsole console, string title, int total, Func<IProgress<int>, T> work)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            var plain = new Plain(console, title, total);
            var result = work(plain);
            plain.Finish();
            return result;
        }
        return console.Progress().AutoClear(true).HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(1, total));
                var result = work(new SyncProgress<int>(done => task.Value = done));
                task.Value = task.MaxValue;
                return result;
            });
    }

    private sealed class Plain(IAnsiConsole console, string title, int total) : IProgress<int>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lock _lock = new();
        private double _lastPrinted;
        private int _done;

        public void Report(int done)
        {
            lock (_lock)
            {
                _done = done;
                if (_clock.Elapsed.TotalSeconds - _lastPrinted < 10) return;
                _lastPrinted = _clock.Elapsed.TotalSeconds;
                Print();
            }
        }

        public void Finish()
        {
            lock (_lock)
                if (_lastPrinted > 0) Print(); // a short run prints nothing; a long one ends with its final count
        }

        private void Print() => console.MarkupLineInterpolated($"[grey]{title}: {_done}/{total} ({_clock.Elapsed.TotalSeconds:0} s)[/]");
    }
}

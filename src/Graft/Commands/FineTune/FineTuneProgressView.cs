using Graft.FineTuner.Training;
using Spectre.Console;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.Cli.Commands.FineTune;

/// <summary>Renders <see cref="FineTuneProgress"/>: log lines as they come, a progress bar per phase on a terminal, and
/// on a pipe only the log lines (epoch summaries included).</summary>
public static class FineTuneProgressView
{
    public static T Run<T>(IAnsiConsole console, Func<IProgress<FineTuneProgress>, T> work)
    {
        if (!console.Profile.Capabilities.Interactive)
            return work(new Sync(p =>
            {
                if (p.Message is { } m) console.MarkupLineInterpolated($"[grey]{m}[/]");
            }));

        return console.Progress().AutoClear(true).HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                ProgressTask? task = null;
                var phase = "";
                var clock = System.Diagnostics.Stopwatch.StartNew();
                return work(new Sync(p =>
                {
                    if (p.Message is { } m)
                    {
                        console.MarkupLineInterpolated($"[grey]{m}[/]");
                        return;
                    }
                    if (p.Phase != phase || task is null || p.Done < task.Value)
                    {
                        task?.StopTask();
                        phase = p.Phase;
                        task = ctx.AddTask(p.Phase, maxValue: Math.Max(1, p.Total));
                        clock.Restart();
                    }
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    // Done and Total count images in every phase, so the rate is images/s.
                    var rate = clock.Elapsed.TotalSeconds > 0 ? p.Done / clock.Elapsed.TotalSeconds : 0;
                    var metrics = double.IsNaN(p.Loss) ? "" : $" loss {p.Loss:F4} acc {p.Accuracy:P1}";
                    task.Description = (p.Epoch > 0 ? $"{p.Phase} epoch {p.Epoch}{metrics}" : p.Phase) + $" {rate:F1} img/s";
                }));
            });
    }

    private sealed class Sync(Action<FineTuneProgress> handler) : IProgress<FineTuneProgress>
    {
        private readonly Lock _lock = new();

        public void Report(FineTuneProgress value)
        {
            lock (_lock) handler(value);
        }
    }
}

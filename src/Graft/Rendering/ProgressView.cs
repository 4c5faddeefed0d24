using Graft.FeatureCache.Precompute;
using Spectre.Console;

namespace Graft.Cli.Rendering;

/// <summary>
/// Shows a running precompute: a Spectre progress bar with images/s and ETA on a terminal; on a pipe or CI log, a
/// plain line every ten seconds.
/// </summary>
public static class ProgressView
{
    public static T Run<T>(IAnsiConsole console, string title, Func<IProgress<PrecomputeProgress>, T> work, bool plain = false)
    {
        if (plain || !console.Profile.Capabilities.Interactive)
            return work(new PlainProgress(console, title));

        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: 1);
                var device = false;
                var progress = new Progress(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = $"{title} [grey]{p.Computed} new · {p.Reused} cached · {p.Skipped} skipped · {p.ImagesPerSecond:0.0} img/s[/]";
                    if (!device && p.Device is not null)
                    {
                        device = true;
                        console.MarkupLineInterpolated($"[grey]{p.Device}[/]");
                    }
                });
                var result = work(progress);
                task.StopTask();
                return result;
            });
    }

    private sealed class Progress(Action<PrecomputeProgress> report) : IProgress<PrecomputeProgress>
    {
        private readonly Lock _lock = new();

        public void Report(PrecomputeProgress value)
        {
            lock (_lock) report(value);
        }
    }

    private sealed class PlainProgress(IAnsiConsole console, string title) : IProgress<PrecomputeProgress>
    {
        private readonly Lock _lock = new();
        private double _lastPrinted = -10;
        private bool _device;

        public void Report(PrecomputeProgress p)
        {
            lock (_lock)
            {
                if (!_device && p.Device is not null)
                {
                    _device = true;
                    console.WriteLine(p.Device);
                }
                if (p.Seconds - _lastPrinted < 10 && p.Done < p.Total) return;
                _lastPrinted = p.Seconds;
                var eta = p.ImagesPerSecond > 0 ? $", ETA {TimeSpan.FromSeconds((p.Total - p.Done) / Math.Max(p.ImagesPerSecond, 1e-9)):hh\\:mm\\:ss}" : "";
                console.WriteLine($"{title}: {p.Done}/{p.Total} ({p.Computed} new, {p.Reused} cached, {p.Skipped} skipped), {p.ImagesPerSecond:0.0} img/s{eta}");
            }
        }
    }
}

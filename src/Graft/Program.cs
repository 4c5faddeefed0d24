using Graft.Cli;

// Ctrl+C stops the run after the batch in flight; finished work stays in the cache and the same command resumes.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return; // a second Ctrl+C kills the process
    e.Cancel = true;
    cancel.Cancel();
};
var console = Spectre.Console.AnsiConsole.Console;
if (Console.IsOutputRedirected) console.Profile.Width = 160; // logs and pipes: do not wrap tables at 80 columns
return GraftApp.Run(args, console, cancel.Token);

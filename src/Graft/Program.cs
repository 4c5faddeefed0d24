using Graft.Cli;

// Ctrl+C stops the run after the batch in flight; finished work stays in the cache and the same command resumes.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return; // a second Ctrl+C kills the process
    e.Cancel = true;
    cancel.Cancel();
};
return GraftApp.Run(args, Spectre.Console.AnsiConsole.Console, cancel.Token);

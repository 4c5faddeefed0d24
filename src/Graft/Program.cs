using System.Runtime.InteropServices;
using Graft.Cli;

// Ctrl+C and SIGTERM (kill, systemd, docker stop, a batch scheduler's time limit) stop the run after the batch in
// flight; finished work stays in the cache, one line says so, the exit code is 3 and the same command resumes. A
// second signal kills the process.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return; // a second Ctrl+C kills the process
    e.Cancel = true;
    cancel.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    if (cancel.IsCancellationRequested) return; // a second SIGTERM terminates as usual
    context.Cancel = true;
    cancel.Cancel();
});
var console = Spectre.Console.AnsiConsole.Console;
if (Console.IsOutputRedirected) console.Profile.Width = 160; // logs and pipes: do not wrap tables at 80 columns
var errors = Graft.Cli.Rendering.ErrorConsole.StdErr();
if (Console.IsErrorRedirected) errors.Profile.Width = 160;
return GraftApp.Run(args, console, cancel.Token, errors);

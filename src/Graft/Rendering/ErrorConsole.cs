using Spectre.Console;

namespace Graft.Cli.Rendering;

/// <summary>
/// Where errors and, with <c>--json</c>, progress go: standard error for the real CLI, so standard output holds only
/// the JSON document (or the tables). Commands take it from the container beside the standard-output console.
/// </summary>
public sealed class ErrorConsole(IAnsiConsole console)
{
    public IAnsiConsole Console { get; } = console;

    /// <summary>A console on the process's standard error.</summary>
    public static IAnsiConsole StdErr() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
}

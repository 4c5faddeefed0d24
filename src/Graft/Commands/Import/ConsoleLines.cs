using Spectre.Console;

namespace Graft.Cli.Commands.Import;

/// <summary>Progress lines printed in grey as they are reported, in order (Progress&lt;T&gt; posts them to the thread
/// pool, which can reorder lines of a fast sequence).</summary>
internal sealed class ConsoleLines(IAnsiConsole console) : IProgress<string>
{
    public void Report(string value) => console.MarkupLineInterpolated($"[grey]{value}[/]");
}

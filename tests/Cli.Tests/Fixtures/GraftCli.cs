using System.Diagnostics;
using Spectre.Console.Testing;

namespace Graft.Cli.Tests.Fixtures;

/// <summary>Runs the graft CLI in-process against a TestConsole (the command harness), or as a child process.</summary>
public static class GraftCli
{
    public static (int Exit, string Output) Run(params string[] args)
    {
        var console = new TestConsole().Width(250);
        var exit = GraftApp.Run(args, console);
        return (exit, console.Output);
    }

    /// <summary>Path of the built graft.dll (copied beside the tests by the project reference).</summary>
    public static string Dll
    {
        get
        {
            var local = Path.Combine(AppContext.BaseDirectory, "graft.dll");
            if (File.Exists(local) && File.Exists(Path.Combine(AppContext.BaseDirectory, "graft.runtimeconfig.json"))) return local;
            var config = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug";
            return Path.Combine(Repo.Root, "src", "Graft", "bin", config, "net10.0", "graft.dll");
        }
    }

    /// <summary>Starts <c>dotnet graft.dll args</c> with stdout/stderr captured.</summary>
    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }
}

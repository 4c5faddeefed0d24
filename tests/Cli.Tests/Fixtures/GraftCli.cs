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
    public static Process Start(params string[] args) => Start(args, null, null);

    /// <summary>Starts <c>dotnet graft.dll args</c> in <paramref name="workingDirectory"/> with
    /// <paramref name="environment"/> set (a null value removes a variable), stdout/stderr captured.</summary>
    public static Process Start(IEnumerable<string> args, string? workingDirectory, IReadOnlyDictionary<string, string?>? environment)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        return Process.Start(psi)!;
    }

    /// <summary>Runs graft as a child process to its end (2 minutes at most): exit code, stdout and stderr.</summary>
    public static (int Exit, string Stdout, string Stderr) RunProcess(IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var p = Start(args, workingDirectory, environment);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("graft did not finish in 2 minutes");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

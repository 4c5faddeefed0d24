using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace Graft.Cli.Rendering;

/// <summary>"Did you mean --head?" for an unknown option: the closest long option name that any command declares,
/// within two edits.</summary>
public static partial class OptionSuggestion
{
    private static readonly Lazy<IReadOnlyList<string>> Names = new(() => typeof(OptionSuggestion).Assembly.GetTypes()
        .Where(t => typeof(CommandSettings).IsAssignableFrom(t))
        .SelectMany(t => t.GetProperties())
        .Select(p => p.GetCustomAttribute<CommandOptionAttribute>())
        .Where(a => a is not null)
        .SelectMany(a => a!.LongNames)
        .Distinct(StringComparer.Ordinal)
        .ToList());

    /// <summary>The suggestion for Spectre's "Unknown option 'x'." message, or null.</summary>
    public static string? For(string message)
    {
        var match = UnknownOption().Match(message);
        if (!match.Success) return null;
        var typed = match.Groups[1].Value;
        var best = Names.Value.Select(n => (Name: n, Distance: Distance(typed, n))).Where(c => c.Distance <= 2)
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault();
        return best.Name is null ? null : $"--{best.Name}";
    }

    /// <summary>The hint line for Spectre's "Unknown option 'x'." message: the closest option, or — when the option
    /// exists, just not on this command — that, rather than suggesting the very option that was refused.</summary>
    public static string? Hint(string message)
    {
        if (For(message) is not { } suggestion) return null;
        return UnknownOption().Match(message).Groups[1].Value == suggestion[2..]
            ? $"{suggestion} belongs to other commands, not this one; graft COMMAND --help lists its options."
            : $"did you mean {suggestion}? graft COMMAND --help lists its options.";
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    [GeneratedRegex("^Unknown option '([^']+)'")]
    private static partial Regex UnknownOption();
}

using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Precompute;
using Spectre.Console;

namespace Graft.Cli.Rendering;

/// <summary>The end-of-run summary of a precompute.</summary>
public static class SummaryView
{
    public static void Render(IAnsiConsole console, PrecomputeSummary s)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn("");
        table.HideHeaders();
        table.AddRow("cache", Markup.Escape($"{s.Cache} (set {s.FeatureSet}, {s.Backbone}, {s.Dimension}-d {s.DType})"));
        table.AddRow("device", Markup.Escape(s.Device));
        table.AddRow("images", $"{s.Total} in shard {s.Shard}");
        table.AddRow("computed", $"[green]{s.Computed}[/]");
        table.AddRow("reused", $"{s.Reused}");
        table.AddRow("skipped", s.Skipped.Count == 0 ? "0" : $"[yellow]{s.Skipped.Count}[/]");
        table.AddRow("wall time", $"{s.Seconds:0.0} s");
        table.AddRow("throughput", $"{s.ImagesPerSecond:0.0} images/s");
        console.Write(table);
        foreach (var group in s.SkippedByReason)
        {
            console.MarkupLineInterpolated($"[yellow]skipped ({group.Key}): {group.Count()}[/]");
            // File names come from the data: control characters in them are shown escaped, never sent to the terminal.
            foreach (var item in group.Take(10)) console.MarkupLineInterpolated($"  {ClassNameRules.Visible(item.Path)}: [grey]{ClassNameRules.Visible(item.Reason)}[/]");
            if (group.Count() > 10) console.MarkupLineInterpolated($"  … and {group.Count() - 10} more (--json lists all)");
        }
        foreach (var warning in s.DatasetWarnings) console.MarkupLineInterpolated($"[yellow]dataset warning:[/] {warning}");
        if (s.SplitLeakage.Count > 0)
        {
            console.MarkupLineInterpolated($"[yellow]split leakage: {s.SplitLeakage.Count} image(s) are in more than one split[/] (validation and test figures read too high):");
            foreach (var leak in s.SplitLeakage.Take(10)) console.MarkupLineInterpolated($"  {ClassNameRules.Visible(leak.ToString())}");
            if (s.SplitLeakage.Count > 10) console.MarkupLineInterpolated($"  … and {s.SplitLeakage.Count - 10} more (--json lists all)");
        }
        foreach (var damage in s.StoreDamage) console.MarkupLineInterpolated($"[red]damaged cache data, recomputed:[/] {damage}");
        foreach (var repair in s.StoreRepairs) console.MarkupLineInterpolated($"[yellow]cache repaired:[/] {repair}");
        if (s.Interrupted) console.MarkupLine("[yellow]interrupted[/]: finished batches are kept; rerun the same command to resume.");
    }
}

using System.ComponentModel;
using System.Text.Json;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Datasets.Inspection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class DatasetInspectSettings : DatasetSettings
{
    [CommandOption("--grid <PNG>")]
    [Description("Where to write the 5×5 sample grid. Default: samples.png in the current folder.")]
    public string Grid { get; init; } = "samples.png";

    [CommandOption("--sample <N>")]
    [Description("Images decoded for the size and pixel statistics. Default 200.")]
    [DefaultValue(200)]
    public int Sample { get; init; } = 200;

    [CommandOption("--json")]
    public bool Json { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data PATH is required.")
        : Sample < 1 ? ValidationResult.Error("--sample must be at least 1.")
        : ValidationResult.Success();
}

/// <summary><c>graft dataset inspect</c>: the seed's first look at the data — classes, counts, a sample's shape and
/// pixel range — plus a titled sample grid.</summary>
public sealed class DatasetInspectCommand(IAnsiConsole console) : Command<DatasetInspectSettings>
{
    public override int Execute(CommandContext context, DatasetInspectSettings settings, CancellationToken cancel)
    {
        OutputPaths.File(settings.Grid, "--grid");
        var dataset = settings.LoadDataset();
        var report = DatasetInspector.Inspect(dataset, new InspectOptions { SampleSize = settings.Sample, Seed = settings.Seed });
        var grid = SampleGrid.Render(dataset, settings.Grid, seed: settings.Seed);
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new { dataset = dataset.Root, format = dataset.Format, splitSource = dataset.SplitSource, report, grid }, JsonOutput.Options));
            return 0;
        }

        console.MarkupLineInterpolated($"[bold]{dataset.Root}[/] ({dataset.Format}); splits: {dataset.SplitSource}");
        var splits = new[] { Split.Train, Split.Validation, Split.Test }.Where(s => report.SplitCounts.GetValueOrDefault(s) > 0).ToList();
        var table = new Table().Border(TableBorder.Rounded).AddColumn("label").AddColumn("class");
        foreach (var s in splits) table.AddColumn(new TableColumn(s.ToName()).RightAligned());
        for (var c = 0; c < report.ClassNames.Count; c++)
            table.AddRow([c.ToString(), Markup.Escape(report.ClassNames[c]), .. splits.Select(s => report.ClassCounts[s][c].ToString())]);
        table.AddRow(["", "[bold]total[/]", .. splits.Select(s => $"[bold]{report.SplitCounts[s]}[/]")]);
        console.Write(table);

        if (report.Sizes is { } z)
            console.MarkupLineInterpolated($"image sizes over {z.Count} sampled: width {z.MinWidth}..{z.MaxWidth} (median {z.MedianWidth}), height {z.MinHeight}..{z.MaxHeight} (median {z.MedianHeight})");
        if (report.SampleImage is { } one)
            console.MarkupLineInterpolated($"sample {ClassNameRules.Visible(one.Id)}: shape {one.Shape}, pixel range {one.PixelMin}..{one.PixelMax} (uint8, before preprocessing)");
        foreach (var u in report.Unreadable) console.MarkupLineInterpolated($"[yellow]unreadable[/] {ClassNameRules.Visible(u.Id)}: {u.Reason}: {ClassNameRules.Visible(u.Message)}");
        foreach (var w in report.DatasetWarnings.Concat(grid.Warnings)) console.MarkupLineInterpolated($"[yellow]warning:[/] {w}");
        console.MarkupLineInterpolated($"sample grid: {Path.GetFullPath(grid.Path)} ({grid.Width}×{grid.Height}{(grid.TitlesRendered ? ", titled with class names" : ", no titles: no font found")})");
        return 0;
    }
}

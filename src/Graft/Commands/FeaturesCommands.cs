using System.ComponentModel;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public class CacheSettings : GraftSettings
{
    [CommandOption("-c|--cache <DIR>")]
    [Description("Feature cache folder written by graft precompute.")]
    public string? Cache { get; init; }

    [CommandOption("--feature-set <ID|BACKBONE>")]
    [Description("Which feature set, when the cache holds several (backbone name or set id prefix).")]
    public string? FeatureSet { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Cache) ? ValidationResult.Error("--cache DIR is required.") : ValidationResult.Success();

    public FeatureStore OpenStore() => FeatureStore.Open(ModelFileLocator.ExpandHome(Cache!));
}

public sealed class FeaturesInfoSettings : CacheSettings
{
    [CommandOption("--json")]
    [Description("Print the sets as one JSON array: id, backbone, dimension, records, splits (train, validation, test), classes, damaged.")]
    public bool Json { get; init; }
}

/// <summary><c>graft features info</c>: every set in a cache, with counts per split and a health check.</summary>
public sealed class FeaturesInfoCommand(IAnsiConsole console) : Command<FeaturesInfoSettings>
{
    public override int Execute(CommandContext context, FeaturesInfoSettings settings, CancellationToken cancel)
    {
        var store = settings.OpenStore();
        var rows = new List<object>();
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("set").AddColumn("backbone").AddColumn("features").AddColumn("records").AddColumn("train").AddColumn("validation").AddColumn("test").AddColumn("classes").AddColumn("health");
        foreach (var set in store.Sets)
        {
            var index = set.ScanIndex();
            string[] counts = ["-", "-", "-"];
            var classes = "-";
            IReadOnlyList<SplitLeak> leaks = [];
            IReadOnlyList<string> goneSegments = [];
            var missingRows = 0;
            string? incomplete = null;
            try
            {
                var m = set.LoadManifest();
                leaks = SplitLeakage.Find(m.Items);
                counts = [.. new[] { Split.Train, Split.Validation, Split.Test }.Select(s => m.Items.Count(i => i.Split == s.ToName() && i.Sha256 is not null).ToString())];
                classes = m.ClassNames.Count.ToString();
                goneSegments = set.MissingSegments(m);
                missingRows = m.Items.Count(i => i.Sha256 is not null && !index.Hashes.Contains(ContentHash.Parse(i.Sha256)));
            }
            catch (GraftException e)
            {
                // No finished run, or shards missing: the set is not usable yet, whatever its blocks say.
                incomplete = e.Message;
            }
            rows.Add(new
            {
                id = set.Id, backbone = set.Spec.BackboneName, dimension = set.Spec.Dimension, records = index.Hashes.Count,
                splits = new { train = ParseOrNull(counts[0]), validation = ParseOrNull(counts[1]), test = ParseOrNull(counts[2]) },
                classes = ParseOrNull(classes), damaged = index.Damage.Count,
                missingSegments = goneSegments, imagesWithoutFeatures = missingRows, incomplete,
                complete = incomplete is null && goneSegments.Count == 0 && missingRows == 0 && index.Damage.Count == 0,
                splitLeakage = leaks.Select(l => l.ToString()).ToArray(),
            });
            var health = new List<string>();
            if (goneSegments.Count > 0) health.Add($"[red]{goneSegments.Count} segment{(goneSegments.Count > 1 ? "s" : "")} missing[/]");
            if (missingRows > 0) health.Add($"[red]{missingRows} images without features[/]");
            if (index.Damage.Count > 0) health.Add($"[red]{index.Damage.Count} damaged[/]");
            if (index.TornBytes > 0) health.Add("[yellow]torn tail ignored[/]");
            if (incomplete is not null) health.Insert(0, "[yellow]incomplete[/]");
            if (health.Count == 0) health.Add("[green]complete[/]");
            table.AddRow(set.Id, Markup.Escape(set.Spec.BackboneName), $"{set.Spec.Dimension}-d {set.Spec.DType.ToName()}", index.Hashes.Count.ToString(),
                counts[0], counts[1], counts[2], classes, string.Join(", ", health));
            if (!settings.Json)
            {
                if (incomplete is not null) console.MarkupLineInterpolated($"[yellow]set {set.Id}: {incomplete}[/]");
                foreach (var d in index.Damage) console.MarkupLineInterpolated($"[red]{d}[/]");
                foreach (var g in goneSegments) console.MarkupLineInterpolated($"[red]set {set.Id}: segment {g} is missing (deleted or not copied)[/]");
                if (missingRows > 0)
                    console.MarkupLineInterpolated($"[red]set {set.Id}: {missingRows} images of the manifest have no features; graft precompute with the same --data, --backbone and --dtype recomputes them.[/]");
                if (leaks.Count > 0)
                {
                    console.MarkupLineInterpolated($"[yellow]set {set.Id}: split leakage: {leaks.Count} image(s) are in more than one split[/]");
                    foreach (var leak in leaks.Take(10)) console.MarkupLineInterpolated($"  {ClassNameRules.Visible(leak.ToString())}");
                    if (leaks.Count > 10) console.MarkupLineInterpolated($"  … and {leaks.Count - 10} more");
                }
            }
        }
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(rows, Rendering.JsonOutput.Options));
            return 0;
        }
        console.Write(table);
        return 0;
    }

    private static int? ParseOrNull(string text) => int.TryParse(text, out var n) ? n : null;
}

public sealed class FeaturesExportSettings : CacheSettings
{
    [CommandOption("--format <npy|csv>")]
    [Description("npy: features_SPLIT.npy, labels_SPLIT.npy, ids_SPLIT.txt per split and classes.txt; csv: one CSV per split.")]
    [DefaultValue("npy")]
    public string Format { get; init; } = "npy";

    [CommandOption("-o|--out <DIR>")]
    [Description("Output folder. Default: CACHE/export-SET.")]
    public string? Out { get; init; }

    [CommandOption("--allow-missing")]
    [Description("Export without the images whose cached features are missing or damaged, instead of refusing.")]
    public bool AllowMissing { get; init; }
}

/// <summary><c>graft features export</c>.</summary>
public sealed class FeaturesExportCommand(IAnsiConsole console) : Command<FeaturesExportSettings>
{
    public override int Execute(CommandContext context, FeaturesExportSettings settings, CancellationToken cancel)
    {
        var format = BackboneSettings.ParseEnum<ExportFormat>(settings.Format, "--format")!.Value;
        var requestedOut = settings.Out is null ? null : OutputPaths.Folder(settings.Out, "--out");
        var store = settings.OpenStore();
        var set = store.Select(settings.FeatureSet);
        var manifest = set.LoadManifest();
        var read = set.ReadSplits(manifest);
        MissingFeatures.Check(set, manifest, read, settings.AllowMissing);
        var outDir = requestedOut ?? Path.Combine(store.Root, $"export-{set.Id}");
        var files = FeatureExporter.Export(read, manifest.ClassNames, format, outDir);
        foreach (var f in files) console.MarkupLineInterpolated($"wrote {Path.GetFullPath(f)}");
        console.MarkupLineInterpolated($"[bold]exported[/] feature set {set.Id} ({manifest.ClassNames.Count} classes) to {Path.GetFullPath(outDir)}");
        if (read.Missing.Count > 0) console.MarkupLineInterpolated($"[yellow]{read.Missing.Count} images have no features (skipped or damaged) and are not exported.[/]");
        return 0;
    }
}

public sealed class FeaturesMergeSettings : GraftSettings
{
    [CommandArgument(0, "<SOURCES>")]
    [Description("Cache folders to combine (each written by graft precompute, e.g. one per --shard).")]
    public string[] Sources { get; init; } = [];

    [CommandOption("--into <DIR>")]
    [Description("The cache folder that receives them (created if needed; may already hold shards).")]
    public string? Into { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Into) ? ValidationResult.Error("--into DIR is required.")
        : Sources.Length == 0 ? ValidationResult.Error("Name at least one source cache folder.")
        : ValidationResult.Success();
}

/// <summary><c>graft features merge</c>: shard folders into one cache, refused when they do not belong together.</summary>
public sealed class FeaturesMergeCommand(IAnsiConsole console) : Command<FeaturesMergeSettings>
{
    public override int Execute(CommandContext context, FeaturesMergeSettings settings, CancellationToken cancel)
    {
        var summary = FeatureMerge.Merge(settings.Sources.Select(ModelFileLocator.ExpandHome).ToList(), ModelFileLocator.ExpandHome(settings.Into!));
        console.MarkupLineInterpolated($"merged {summary.Sources} cache folders into [bold]{summary.Destination}[/]: {summary.SegmentsCopied} segments ({summary.BytesCopied / 1e6:0.0} MB) and {summary.ManifestsCopied} shard manifests copied");
        foreach (var d in summary.Duplicates) console.MarkupLineInterpolated($"[yellow]duplicate: {d}[/]");
        foreach (var m in summary.MissingShards) console.MarkupLineInterpolated($"[yellow]incomplete: {m}[/]");
        console.MarkupLine(summary.MissingShards.Count == 0 ? "[green]complete[/]: every shard is there" : "[yellow]incomplete[/]: merge the missing shards in (or run them) before training");
        return ExitCodes.Ok;
    }
}

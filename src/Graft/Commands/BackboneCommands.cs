using System.ComponentModel;
using System.Text.Json;
using Graft.FeatureCache.Backbones;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class BackboneListSettings : GraftSettings
{
    [CommandOption("--json")]
    public bool Json { get; init; }
}

/// <summary><c>graft backbone list</c>.</summary>
public sealed class BackboneListCommand(IAnsiConsole console) : Command<BackboneListSettings>
{
    public override int Execute(CommandContext context, BackboneListSettings settings, CancellationToken cancel)
    {
        var catalog = BackboneCatalog.Default();
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(catalog.All, BackboneDescriptor.JsonOptions));
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("name").AddColumn("id").AddColumn("input").AddColumn("features").AddColumn("preprocess").AddColumn("model file");
        foreach (var d in catalog.All)
        {
            var p = d.Preprocess;
            table.AddRow(Markup.Escape(d.Name), Markup.Escape(d.Id ?? ""), $"{p.Width}×{p.Height} {p.Layout}",
                $"{d.Output.Dimension}-d", Markup.Escape(PreprocessLine(p)), Markup.Escape(Availability(d)));
        }
        console.Write(table);
        console.MarkupLineInterpolated($"[grey]descriptors from: {string.Join(", ", catalog.Folders)}[/]");
        return 0;
    }

    internal static string PreprocessLine(FeatureCache.Preprocessing.PreprocessSpec p) =>
        $"{p.Resize} {p.Interpolation}, {p.ChannelOrder}, x·{p.Scale:G4} − [{string.Join(",", p.Mean.Select(m => m.ToString("G4")))}] / [{string.Join(",", p.Std.Select(s => s.ToString("G4")))}]"
        + (p.MeanImage is null ? "" : " - mean image");

    internal static string Availability(BackboneDescriptor d)
    {
        var state = BackboneModelFile.IsPresent(d) ? "present" : "missing";
        return $"{Path.GetFileName(d.Model.Path)} ({(d.Model.IsPackage ? "NuGet package" : "user file")}, {state})";
    }
}

public sealed class BackboneShowSettings : GraftSettings
{
    [CommandArgument(0, "<NAME|FILE>")]
    [Description("Backbone name, descriptor .json or .onnx file.")]
    public string Name { get; init; } = "";

    [CommandOption("--hash")]
    [Description("Also locate and hash the model file.")]
    public bool Hash { get; init; }
}

/// <summary><c>graft backbone show NAME</c>: the descriptor as JSON, plus where its file is.</summary>
public sealed class BackboneShowCommand(IAnsiConsole console) : Command<BackboneShowSettings>
{
    public override int Execute(CommandContext context, BackboneShowSettings settings, CancellationToken cancel)
    {
        var d = BackboneCatalog.Default().Resolve(settings.Name);
        console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(d, BackboneDescriptor.JsonOptions));
        console.MarkupLineInterpolated($"[grey]descriptor:[/] {d.DescriptorPath ?? "(described from the ONNX file)"}");
        console.MarkupLineInterpolated($"[grey]model file:[/] {d.Model} — {BackboneListCommand.Availability(d)}");
        if (settings.Hash)
        {
            var file = BackboneModelFile.Open(d with { Sha256 = null }); // show the hash even when it differs from the pin
            var sha = file.Sha256;
            var verdict = d.Sha256 is null ? "(descriptor names no hash)" : sha == d.Sha256 ? "[green]matches[/]" : "[red]DIFFERS from the descriptor[/]";
            console.MarkupLine($"[grey]sha256:[/] {sha} {verdict} [grey]({Markup.Escape(file.Path)})[/]");
        }
        return 0;
    }
}

public sealed class BackboneCheckSettings : GraftSettings
{
    [CommandArgument(0, "<NAME|FILE>")]
    [Description("Backbone name or descriptor .json.")]
    public string Name { get; init; } = "";

    [CommandOption("--write-check <IMAGE>")]
    [Description("Instead of checking: print a check section for the descriptor, with IMAGE as its golden image (path relative to the descriptor's folder).")]
    public string? WriteCheck { get; init; }
}

/// <summary><c>graft backbone check NAME</c>: the model against its descriptor — hash, layer count and cut
/// (<c>fineTune</c>), and the golden image's features (<c>check</c>). Exit 2 when anything disagrees.</summary>
public sealed class BackboneCheckCommand(IAnsiConsole console) : Command<BackboneCheckSettings>
{
    public override int Execute(CommandContext context, BackboneCheckSettings settings, CancellationToken cancel)
    {
        var d = BackboneCatalog.Default().Resolve(settings.Name);
        if (settings.WriteCheck is { } image)
        {
            var file = BackboneModelFile.Open(d);
            var relative = Path.GetRelativePath(file.DescriptorDirectory ?? Directory.GetCurrentDirectory(), Path.GetFullPath(image));
            var probe = new BackboneCheck { Image = relative, Features = [0f], Norm = 1f };
            var f = BackboneConformance.GoldenFeatures(file, probe);
            var section = probe with { Features = f[..Math.Min(8, f.Length)], Norm = MathF.Sqrt(f.Sum(v => v * v)) };
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new { check = section }, BackboneDescriptor.JsonOptions));
            return 0;
        }
        var r = BackboneConformance.Run(d);
        string Mark(bool ok) => ok ? "[green]ok[/]" : "[red]DIFFERS[/]";
        console.MarkupLineInterpolated($"[grey]model:[/] {r.ModelPath} (sha256 {r.ModelSha256[..12]}…{(d.Sha256 is null ? ", no pin" : ", matches the pin")})");
        console.MarkupLine($"layers: {r.LayersFound} ({r.LayerRuleFound})" + (r.LayersDeclared is { } n ? $", descriptor says {n} {Mark(r.LayersAgree)}" : ", descriptor states no count"));
        if (r.BlocksDeclared is not null || r.StagesDeclared is not null || r.BlocksFound > 0)
            console.MarkupLine($"blocks: {r.BlocksFound} in {r.StagesFound} stages" + (r.BlocksDeclared is null && r.StagesDeclared is null ? "" : $", descriptor says {r.BlocksDeclared?.ToString() ?? "-"} in {r.StagesDeclared?.ToString() ?? "-"} {Mark(r.BlocksAgree)}"));
        if (d.FineTune?.TrainFrom is { } from)
            console.MarkupLine($"fineTune.trainFrom {Markup.Escape(from)}: " + (r.TrainFromIndex is >= 0 and var i ? $"layer {i} of {r.LayersFound} [green]ok[/]" : "[red]not a layer of the model[/]"));
        if (r.FeatureDeviation is { } dev)
            console.MarkupLine($"golden image: max |Δ| {dev:E2}, norm |Δ| {r.NormDeviation:E2} (tolerance {r.Tolerance:E0}, relative) {Mark(r.FeaturesAgree)}");
        else
            console.MarkupLine("[grey]golden image: the descriptor has no check section[/]");
        if (!r.Passed)
            throw new GraftException($"Backbone '{d.Name}' does not match its descriptor.", "A different export or a damaged file; re-export it, or update the descriptor.");
        return 0;
    }
}

using System.ComponentModel;
using System.Text.Json;
using Graft.Cli.Rendering;
using Graft.ModelImport;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands.Import;

public sealed class BackboneImportKerasSettings : GraftSettings
{
    [CommandOption("--arch <ARCH>")]
    [Description("nasnet-large (331×331 → 4032-d) or nasnet-mobile (224×224 → 1056-d).")]
    public string? Arch { get; init; }

    [CommandOption("--weights <FILE.h5>")]
    [Description("Keras HDF5 weights, e.g. ~/.keras/models/NASNet-large-no-top.h5.")]
    public string? Weights { get; init; }

    [CommandOption("-o|--output <FILE.onnx>")]
    [Description("ONNX file to write; the descriptor goes beside it (same name, .json), pinned by SHA-256.")]
    public string? Output { get; init; }

    [CommandOption("--random-init")]
    [Description("Seeded random weights instead of a file (tests, benchmarks).")]
    public bool RandomInit { get; init; }

    [CommandOption("--seed <S>")]
    [Description("Seed of --random-init. Default 0.")]
    [DefaultValue(0)]
    public int Seed { get; init; }

    [CommandOption("--no-descriptor")]
    [Description("Write only the ONNX file.")]
    public bool NoDescriptor { get; init; }

    [CommandOption("--json")]
    public bool Json { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Arch) ? ValidationResult.Error("--arch is required: nasnet-large or nasnet-mobile.")
        : string.IsNullOrWhiteSpace(Output) ? ValidationResult.Error("-o FILE.onnx is required.")
        : ValidationResult.Success();
}

/// <summary><c>graft backbone import-keras</c>: Keras weights → NASNet ONNX model + descriptor.</summary>
public sealed class BackboneImportKerasCommand(IAnsiConsole console) : Command<BackboneImportKerasSettings>
{
    public override int Execute(CommandContext context, BackboneImportKerasSettings settings, CancellationToken cancel)
    {
        var result = KerasImporter.Import(new KerasImportOptions
        {
            Architecture = KerasArchitecture.Find(settings.Arch!),
            WeightsPath = settings.Weights,
            RandomInit = settings.RandomInit,
            Seed = settings.Seed,
            OutputPath = OutputPaths.File(settings.Output!, "--output"),
            WriteDescriptor = !settings.NoDescriptor,
        }, settings.Json ? null : new ConsoleLines(console));

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(result, JsonOutput.Options));
            return 0;
        }
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("model", Markup.Escape(result.OnnxPath));
        grid.AddRow("layers", $"{result.LayerCount} Keras layers ({result.OnnxNodeCount} ONNX nodes)");
        grid.AddRow("parameters", $"{result.ParameterCount:N0}");
        grid.AddRow("features", Markup.Escape($"{result.FeatureDimension}-d ([N,{result.FeatureDimension}] output global_average_pooling2d)"));
        grid.AddRow("size", $"{result.FileBytes / 1e6:0.0} MB");
        grid.AddRow("sha256", result.Sha256);
        if (result.Binding is { } b)
            grid.AddRow("weights", Markup.Escape($"{b.LayersLoaded} layers, {b.ValuesLoaded:N0} values from {b.FilePath}, matched {b.Matching.ToString().ToLowerInvariant()}"
                + (b.IgnoredFileLayers.Count > 0 ? $"; ignored: {string.Join(", ", b.IgnoredFileLayers)}" : "")));
        else
            grid.AddRow("weights", $"[yellow]random (seed {settings.Seed})[/]: for tests and benchmarks, not for features");
        if (result.DescriptorPath is not null) grid.AddRow("descriptor", Markup.Escape(result.DescriptorPath));
        console.Write(grid);
        if (result.DescriptorPath is not null)
            console.MarkupLineInterpolated($"[grey]use it: graft precompute --backbone {result.DescriptorPath} …; list its layers: graft backbone layers {result.DescriptorPath}[/]");
        return 0;
    }
}

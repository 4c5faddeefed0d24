using System.ComponentModel;
using System.Text.Json;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Onnx.Float16;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class BackboneConvertSettings : GraftSettings
{
    [CommandArgument(0, "<NAME|DESCRIPTOR>")]
    [Description("Backbone name (graft backbone list) or descriptor .json.")]
    public string Name { get; init; } = "";

    [CommandOption("--to <TYPE>")]
    [Description("Target precision: float16 (alias fp16).")]
    public string? To { get; init; }

    [CommandOption("--keep-fp32 <OPS>")]
    [Description("Comma-separated ONNX operator types kept in float32 besides the default block list (Resize, Range, Min, Max, …), e.g. Softmax,LayerNormalization.")]
    public string? KeepFp32 { get; init; }

    [CommandOption("-o|--out <DIR>")]
    [Description("Folder for NAME-fp16.onnx and NAME-fp16.json. Default ./models/onnx, where graft finds backbones by name.")]
    [DefaultValue("models/onnx")]
    public string Out { get; init; } = "models/onnx";

    [CommandOption("--json")]
    [Description("Print the result as JSON.")]
    public bool Json { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(To) ? ValidationResult.Error("--to TYPE is required (float16).") : base.Validate();

    /// <summary>The operator types of --keep-fp32; throws <see cref="GraftException"/> for an empty or odd name.</summary>
    internal IReadOnlyList<string> KeepFloat32()
    {
        if (KeepFp32 is null) return [];
        var ops = KeepFp32.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var bad = ops.FirstOrDefault(o => !o.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetterUpper(o[0]));
        if (ops.Length == 0 || bad is not null)
            throw new GraftException($"--keep-fp32 '{KeepFp32}' is not a list of ONNX operator types{(bad is null ? "" : $" ('{bad}')")}.",
                "For example --keep-fp32 Softmax,LayerNormalization (ONNX names, case-sensitive).");
        return ops;
    }
}

/// <summary><c>graft backbone convert NAME --to float16</c>: a float16 copy of a backbone and its descriptor.</summary>
public sealed class BackboneConvertCommand(IAnsiConsole console) : Command<BackboneConvertSettings>
{
    public override int Execute(CommandContext context, BackboneConvertSettings settings, CancellationToken cancel)
    {
        var to = settings.To!.Trim().ToLowerInvariant();
        if (to is not ("float16" or "fp16" or "half"))
            throw new GraftException($"Unknown --to '{settings.To}'.", "Supported: float16 (graft backbone quantize makes int8 models).");
        var keep = settings.KeepFloat32();
        var outDir = OutputPaths.Folder(settings.Out, "--out"); // a wrong --out is exit 2 before the model is read
        var source = BackboneCatalog.Default().Resolve(settings.Name);
        var result = Float16BackboneConverter.Convert(source, outDir, new Float16Options { KeepFloat32 = keep });
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
            {
                result.DescriptorPath, result.ModelPath, result.ModelBytes, result.SourceBytes, result.Descriptor.Sha256, result.Report,
            }, JsonOutput.Options));
            return 0;
        }
        var r = result.Report;
        console.MarkupLineInterpolated($"[green]wrote[/] {result.ModelPath} ({result.ModelBytes / 1e6:0.0} MB, was {result.SourceBytes / 1e6:0.0} MB)");
        console.MarkupLineInterpolated($"[green]wrote[/] {result.DescriptorPath} (sha256 {result.Descriptor.Sha256![..12]}…)");
        console.MarkupLineInterpolated($"float16: {r.ConvertedInitializers} initializers ({r.ConvertedValues:N0} values), {r.ConvertedConstants} constants; {r.FoldedBatchNorms} BatchNormalization folded into Conv; {r.CastsInserted} casts");
        console.MarkupLineInterpolated($"float32 kept: {(r.Float32Nodes.Count == 0 ? "no node" : string.Join(", ", r.Float32Nodes.Select(k => $"{k.Key} ×{k.Value}")))}; {r.Float32Initializers} initializers");
        if (r.ClampedValues > 0 || r.UnderflowedValues > 0)
            console.MarkupLineInterpolated($"[yellow]note:[/] {r.ClampedValues:N0} values beyond ±65504 clamped, {r.UnderflowedValues:N0} tiny values became 0");
        console.MarkupLineInterpolated($"[grey]use it: graft precompute --backbone {result.Descriptor.Name} --device cuda … (its features are a feature set of their own)[/]");
        return 0;
    }
}

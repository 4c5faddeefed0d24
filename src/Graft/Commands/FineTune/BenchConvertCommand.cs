using System.ComponentModel;
using Graft.Bench;
using Graft.Bench.FineTune;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands.FineTune;

public sealed class BenchConvertSettings : GraftSettings
{
    [CommandArgument(0, "<FILE.onnx...>")]
    [Description("ONNX models with one image input, N×3×S×S (e.g. make_modern_fixtures.py --full DIR exports seven torchvision backbones).")]
    public string[] Models { get; init; } = [];

    [CommandOption("--size <PIXELS>")]
    [Description("Input side for a model that leaves height and width open; a fixed size is read from the model.")]
    [DefaultValue(224)]
    public int Size { get; init; } = 224;

    [CommandOption("--batch-size <N>")]
    [Description("Images in the timed training step. Default 2.")]
    [DefaultValue(2)]
    public int BatchSize { get; init; } = 2;

    public override ValidationResult Validate() =>
        Models.Length == 0 ? ValidationResult.Error("Name at least one .onnx file.")
        : BatchSize < 2 ? ValidationResult.Error("--batch-size must be 2 or more (BatchNorm needs two images).")
        : Size < 8 ? ValidationResult.Error("--size must be 8 or more.") : ValidationResult.Success();
}

/// <summary><c>graft bench convert</c>: conversion time, ONNX Runtime parity and one full training step per model.</summary>
public sealed class BenchConvertCommand(IAnsiConsole console) : Command<BenchConvertSettings>
{
    public override int Execute(CommandContext context, BenchConvertSettings settings, CancellationToken cancel)
    {
        console.MarkupLineInterpolated($"[grey]{MachineInfo.Describe()}[/]");
        var table = new Table().Border(TableBorder.Simple).AddColumn("model").AddColumn(new TableColumn("parameters").RightAligned())
            .AddColumn(new TableColumn("nodes").RightAligned()).AddColumn("blocks / stages").AddColumn(new TableColumn("convert s").RightAligned())
            .AddColumn(new TableColumn("parity max |Δ|").RightAligned()).AddColumn(new TableColumn("train step s").RightAligned()).AddColumn("gradients");
        var missing = settings.Models.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
            throw new GraftException($"{string.Join(", ", missing.Select(m => $"'{m}'"))} {(missing.Count == 1 ? "does" : "do")} not exist.",
                "Pass ONNX files (make_modern_fixtures.py --full DIR exports seven torchvision backbones).");
        // One model that does not convert (an unsupported operator, a batch size fixed at export) is a row, not the end
        // of the run: the others are still measured, and the exit code says that something failed.
        var failed = 0;
        foreach (var path in settings.Models)
        {
            cancel.ThrowIfCancellationRequested();
            ConvertBenchRow r;
            try
            {
                r = ConvertBenchmark.Run(path, settings.Size, settings.BatchSize);
            }
            catch (Exception e) when (e is GraftException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                failed++;
                var line = e.Message.Split('\n')[0];
                table.AddRow(Markup.Escape(ConvertBenchmark.ModelName(path)), "", "", "", "", $"[red]{Markup.Escape(line.Length > 90 ? line[..90] + "…" : line)}[/]", "", "");
                continue;
            }
            var parity = r.ParityMaxDiff <= 1e-4 * r.ParityScale ? "[green]ok[/]" : "[red]DIFFERS[/]";
            table.AddRow(Markup.Escape(r.Model), $"{r.Parameters:N0}", $"{r.Nodes}", $"{r.Blocks} / {r.Stages}", $"{r.ConvertSeconds:0.00}",
                $"{r.ParityMaxDiff:0.0e+0} (scale {r.ParityScale:0.#}) {parity}", $"{r.StepSeconds:0.00}",
                $"{r.ParametersWithGradient}/{r.ParameterTensors}");
        }
        console.Write(table);
        if (failed == 0) return ExitCodes.Ok;
        console.MarkupLineInterpolated($"[red]{failed} of {settings.Models.Length} models could not be measured[/] (their rows say why).");
        return ExitCodes.UserError;
    }
}

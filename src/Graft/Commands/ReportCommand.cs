using System.ComponentModel;
using System.Text.Json;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class ReportSettings : RunSettings
{
    [CommandOption("--split <SPLIT>")]
    [Description("auto (default): test, or validation when the data has no test split, said in one line; or test, validation, train.")]
    [DefaultValue(EvaluationSplit.Auto)]
    public string Split { get; init; } = EvaluationSplit.Auto;

    public override ValidationResult Validate() =>
        base.Validate();
}

/// <summary><c>graft report</c>: a run at a glance — backbone, head, parameters, validation and evaluation figures — and
/// where its HTML report is. Evaluates the split first (the test split, or validation without one) when that has not
/// been done.</summary>
public sealed class ReportCommand(IAnsiConsole console) : Command<ReportSettings>
{
    public override int Execute(CommandContext context, ReportSettings settings, CancellationToken cancel)
    {
        var dir = ModelFileLocator.ExpandHome(settings.Run!);
        var run = RunFolder.Load(dir);
        var choice = EvaluationSplit.Resolve(settings.Split, run.Config);
        if (choice.Note is not null) console.MarkupLineInterpolated($"[yellow]{choice.Note}[/]");
        var metricsPath = run.PathOf(RunFolder.MetricsFile(choice.Split));
        var reportPath = run.PathOf(RunFolder.ReportFile(choice.Split));
        if (!File.Exists(metricsPath) || !File.Exists(reportPath)) Evaluator.Evaluate(dir, choice.Split);
        using var metrics = JsonDocument.Parse(File.ReadAllText(metricsPath));
        var m = metrics.RootElement;
        var c = run.Config;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("run").AddColumn(Markup.Escape(run.Directory));
        table.AddRow("backbone", Markup.Escape($"{c.Backbone.Name} ({c.FeatureSet.Dimension}-d, {(c.Backbone.Parameters is { } bp ? $"{bp:N0} frozen parameters" : "frozen")})"));
        table.AddRow("head", Markup.Escape($"{c.Head}, {run.Summary?.TrainableParameters:N0} trainable parameters, trained in {c.TrainingSeconds:0.0} s"));
        table.AddRow("data", Markup.Escape($"{c.ClassNames.Count} classes; train {c.Splits.Train}, validation {c.Splits.Validation} ({c.Splits.ValidationSource.Kind}), test {c.Splits.Test}"));
        var selection = c.Splits.ValidationSource.Kind == Graft.HeadTrainer.Training.ValidationSource.HoldOut ? "selection (hold-out)" : "validation";
        table.AddRow(selection, $"accuracy {c.ValidationAccuracy:P2}, loss {c.ValidationLoss:0.0000}");
        var topK = Math.Min(5, c.ClassNames.Count);
        table.AddRow($"[bold]{choice.Split.ToName()}[/]", $"[bold]accuracy {m.GetProperty("accuracy").GetDouble():P2}[/], top-{topK} {m.GetProperty("top5_accuracy").GetDouble():P2}, macro F1 {m.GetProperty("macro_f1").GetDouble():0.0000}, log loss {m.GetProperty("log_loss").GetDouble():0.0000} on {m.GetProperty("num_examples").GetInt32()} images");
        console.Write(table);
        console.MarkupLineInterpolated($"[bold]report:[/] {reportPath}");
        return 0;
    }
}

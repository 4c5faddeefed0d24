using System.Text.Json;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Datasets;
using Graft.FineTuner.Runs;
using Graft.FineTuner.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.Cli.Commands.FineTune;

/// <summary><c>graft finetune</c>: read the head run, call <see cref="FineTuneTrainer.Run"/>, render.</summary>
public sealed class FineTuneCommand(IAnsiConsole console) : Command<FineTuneSettings>
{
    public override int Execute(CommandContext context, FineTuneSettings settings, CancellationToken cancel)
    {
        var options = settings.ToOptions();
        options.Validate();
        var sources = new HeadRunSources { Cache = settings.Cache, Backbone = settings.Backbone, HeadFile = settings.Head, Dropout = settings.Dropout, AllowMissing = settings.AllowMissing };
        // With --json, stdout carries only the JSON object; progress and log lines go to stderr.
        var view = settings.Json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : console;
        if (settings.FindLr)
        {
            var found = FineTuneProgressView.Run(view, p => FineTuneRun.FindLearningRate(settings.Run!, options, sources, p, cancel));
            if (settings.Json)
            {
                console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
                {
                    suggested = found.Suggested, minimumOverTen = found.MinimumOverTen, steepest = found.Steepest,
                    plot = found.PlotPath, csv = found.CsvPath, rates = found.Rates, losses = found.Losses,
                }, JsonOutput.Options));
                return ExitCodes.Ok;
            }
            console.MarkupLineInterpolated($"suggested learning rate: [bold]--lr {found.Suggested:G2}[/] (valley; minimum/10 {found.MinimumOverTen:G2}, steepest {found.Steepest:G2})");
            console.MarkupLineInterpolated($"plot: [bold]{found.PlotPath}[/]");
            return ExitCodes.Ok;
        }
        if (!settings.Json) console.MarkupLineInterpolated($"[bold]run[/] {settings.Run}");
        var (result, run) = FineTuneProgressView.Run(view, p => FineTuneRun.Execute(settings.Run!, options, sources, !settings.NoEvaluate, p, cancel));
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(Summary(result, run), JsonOutput.Options));
            return ExitCodes.Ok;
        }
        Render(result, run);
        return ExitCodes.Ok;
    }

    private void Render(FineTuneResult r, FineTunedRun run)
    {
        var counts = new Table().Border(TableBorder.Rounded).AddColumn("parameters").AddColumn(new TableColumn("count").RightAligned());
        counts.AddRow("backbone trainable", $"{r.Backbone.Trainable:N0}");
        counts.AddRow("backbone frozen", $"{r.Backbone.Frozen:N0}");
        counts.AddRow("BatchNorm statistics (non-trainable)", $"{r.Backbone.Statistics:N0}");
        counts.AddRow("head trainable", $"{r.HeadParameters:N0}");
        counts.AddRow("[bold]total trainable[/]", $"[bold]{r.Backbone.Trainable + r.HeadParameters:N0}[/]");
        console.Write(counts);
        if (run.Before is { } before && run.After is { } after)
        {
            var t = new Table().Border(TableBorder.Rounded).AddColumn($"{before.Split.ToName()} split ({after.Metrics.NumExamples} images)")
                .AddColumn(new TableColumn("accuracy").RightAligned()).AddColumn(new TableColumn("macro F1").RightAligned())
                .AddColumn(new TableColumn("log loss").RightAligned()).AddColumn("metrics");
            t.AddRow("head only (before)", $"{before.Metrics.Accuracy:P2}", $"{before.Metrics.MacroF1:F4}", $"{before.Metrics.LogLoss:F4}", before.MetricsPath);
            t.AddRow("fine-tuned (after)", $"{after.Metrics.Accuracy:P2}", $"{after.Metrics.MacroF1:F4}", $"{after.Metrics.LogLoss:F4}", after.MetricsPath);
            console.Write(t);
        }
        else if (r.Before is { } b && r.After is { } a)
        {
            console.MarkupLineInterpolated($"{b.Split.ToString().ToLowerInvariant()} accuracy: head only {b.Accuracy:P2}, fine-tuned {a.Accuracy:P2}");
        }
        console.MarkupLine(Markup.Escape(r.KeptStartingPoint
            ? $"kept the starting point (the head-only weights): no fine-tuning epoch did better on validation{(r.StoppedEarly ? " (stopped early)" : "")}"
            : $"kept the weights of epoch {r.BestEpoch}{(r.StoppedEarly ? " (stopped early)" : "")}"));
        console.MarkupLineInterpolated($"fine-tuned backbone: [bold]{r.WrittenBackbone.DescriptorPath}[/] (a descriptor like any other: --backbone for precompute)");
        console.MarkupLineInterpolated($"fine-tuned run: [bold]{run.Directory}[/] (graft evaluate/predict/export --run read it like any run)");
    }

    private static object Summary(FineTuneResult r, FineTunedRun run) => new
    {
        r.Backbone,
        r.HeadParameters,
        r.FirstFineTuneEpoch,
        r.BestEpoch,
        r.StoppedEarly,
        r.KeptStartingPoint,
        r.UsedBoundaryCache,
        r.AugmentViews,
        r.CacheFillSeconds,
        Before = r.Before is { } b ? new { split = b.Split, b.Count, b.Accuracy, b.Loss } : null,
        After = r.After is { } a ? new { split = a.Split, a.Count, a.Accuracy, a.Loss } : null,
        History = r.History,
        Backbone_ = new { r.WrittenBackbone.ModelPath, r.WrittenBackbone.DescriptorPath, r.WrittenBackbone.Sha256 },
        r.HeadDirectory,
        Run = run.Directory,
        run.FeatureSetId,
        BeforeMetrics = run.Before?.MetricsPath,
        AfterMetrics = run.After?.MetricsPath,
        BeforeAccuracy = run.Before?.Metrics.Accuracy,
        AfterAccuracy = run.After?.Metrics.Accuracy,
        r.Log,
    };
}

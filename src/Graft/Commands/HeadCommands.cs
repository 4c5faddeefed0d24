using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.HeadTrainer;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class TrainHeadSettings : CacheSettings
{
    [CommandOption("--head <KIND>")]
    [Description("linear (default: multinomial logistic regression, L2 chosen on validation), mlp (the seed's Dense(512)-Dropout-Dense head) or lightgbm.")]
    [DefaultValue("linear")]
    public string Head { get; init; } = "linear";

    [CommandOption("-o|--out <RUNDIR>")]
    [Description("Run folder to write: config, history.csv, curves.png, model.zip, head.onnx, summary.")]
    public string? Out { get; init; }

    [CommandOption("--seed <N>")]
    [DefaultValue(42L)]
    public long Seed { get; init; } = 42;

    [CommandOption("--epochs <N>")]
    [Description("mlp: most epochs (default 100); lightgbm: boosting rounds.")]
    public int? Epochs { get; init; }

    [CommandOption("--patience <N>")]
    [Description("mlp: epochs without a val_loss improvement before stopping (default 3).")]
    public int? Patience { get; init; }

    [CommandOption("--batch-size <N>")]
    [Description("mlp: examples per Adam step (default 64).")]
    public int? BatchSize { get; init; }

    [CommandOption("--lr <X>")]
    [Description("mlp: Adam learning rate (default 1e-3); lightgbm: learning rate.")]
    public double? LearningRate { get; init; }

    [CommandOption("--hidden <N>")]
    [Description("mlp: hidden units (default 512).")]
    public int? Hidden { get; init; }

    [CommandOption("--dropout <P>")]
    [Description("mlp: dropout rate (default 0.5).")]
    public double? Dropout { get; init; }

    [CommandOption("--l2 <X>")]
    [Description("linear: fixed L2 strength instead of the validation grid.")]
    public double? L2 { get; init; }

    [CommandOption("--normalize <MODE>")]
    [Description("linear: feature scaling before the regression: none (default, best on pooled CNN features), meanvariance or minmax.")]
    public string? Normalize { get; init; }

    [CommandOption("--validation-fraction <F>")]
    [Description("Share of train held out for validation when the cache has no validation split, or with --hold-out (default 0.1, seeded).")]
    public double? ValidationFraction { get; init; }

    [CommandOption("--hold-out")]
    [Description("Select on a seeded hold-out of train (--validation-fraction) even when the cache has a validation split, which then stays unseen: report on it without selection bias.")]
    public bool HoldOut { get; init; }

    [CommandOption("--overwrite")]
    [Description("Replace an existing run folder.")]
    public bool Overwrite { get; init; }

    [CommandOption("--allow-missing")]
    [Description("Train without the images whose cached features are missing or damaged, instead of refusing; recorded in config.json.")]
    public bool AllowMissing { get; init; }

    [CommandOption("--json")]
    public bool Json { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out RUNDIR is required.") : base.Validate();

    public HeadTrainingOptions ToOptions()
    {
        var kind = BackboneSettings.ParseEnum<HeadKind>(Head, "--head")!.Value;
        var defaults = new HeadTrainingOptions();
        return defaults with
        {
            Head = kind,
            Seed = Seed,
            ValidationFraction = ValidationFraction ?? defaults.ValidationFraction,
            HoldOutValidation = HoldOut,
            Overwrite = Overwrite,
            AllowMissing = AllowMissing,
            Linear = defaults.Linear with
            {
                L2 = L2,
                Normalization = BackboneSettings.ParseEnum<FeatureNormalization>(Normalize, "--normalize") ?? defaults.Linear.Normalization,
            },
            Mlp = defaults.Mlp with
            {
                MaxEpochs = Epochs ?? defaults.Mlp.MaxEpochs,
                Patience = Patience ?? defaults.Mlp.Patience,
                BatchSize = BatchSize ?? defaults.Mlp.BatchSize,
                LearningRate = LearningRate ?? defaults.Mlp.LearningRate,
                Hidden = Hidden ?? defaults.Mlp.Hidden,
                Dropout = Dropout ?? defaults.Mlp.Dropout,
            },
            LightGbm = defaults.LightGbm with
            {
                MaxIterations = Epochs ?? defaults.LightGbm.MaxIterations,
                LearningRate = LearningRate ?? defaults.LightGbm.LearningRate,
            },
        };
    }
}

/// <summary><c>graft train-head</c>: a head on cached features, in seconds.</summary>
public sealed class TrainHeadCommand(IAnsiConsole console, ErrorConsole errors) : Command<TrainHeadSettings>
{
    public override int Execute(CommandContext context, TrainHeadSettings settings, CancellationToken cancel)
    {
        OutputPaths.Folder(settings.Out!, "--out");
        var options = settings.ToOptions();
        var store = settings.OpenStore();
        TrainingResult result;
        if (settings.Json || !console.Profile.Capabilities.Interactive)
        {
            // With --json, standard output holds only the JSON document: epoch lines go to standard error.
            var lines = settings.Json ? errors.Console : console;
            var plain = new SyncProgress<EpochProgress>(p => lines.WriteLine(EpochLine(p)));
            result = HeadTraining.Train(store, settings.FeatureSet, options, settings.Out!, plain, cancel);
        }
        else
        {
            result = console.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"train {options.Head.ToString().ToLowerInvariant()} head", maxValue: 1);
                    var lockObject = new Lock();
                    var progress = new SyncProgress<EpochProgress>(p =>
                    {
                        lock (lockObject)
                        {
                            task.MaxValue = Math.Max(1, p.MaxSteps);
                            task.Value = p.Step;
                            task.Description = Markup.Escape(EpochLine(p));
                        }
                    });
                    var r = HeadTraining.Train(store, settings.FeatureSet, options, settings.Out!, progress, cancel);
                    task.Value = task.MaxValue;
                    return r;
                });
        }

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
            {
                run = result.RunDirectory,
                head = result.Config.Head,
                steps = result.History.Count,
                selection = result.Config.Selection,
                valAccuracy = result.Config.ValidationAccuracy,
                valLoss = result.Config.ValidationLoss,
                seconds = result.Config.TrainingSeconds,
                trainableParameters = result.Summary.TrainableParameters,
                frozenParameters = result.Summary.NonTrainableParameters,
            }, JsonOutput.Options));
            return 0;
        }
        console.WriteLine(result.Summary.ToText());
        var selection = string.Join(", ", result.Config.Selection.Select(p => $"{p.Key} {p.Value}"));
        console.MarkupLineInterpolated($"kept: {selection}; val_loss {result.Config.ValidationLoss:0.0000}, val_accuracy {result.Config.ValidationAccuracy:P2}");
        console.MarkupLineInterpolated($"trained in {result.Config.TrainingSeconds:0.0} s over {result.History.Count} steps; validation: {result.Config.Splits.ValidationSource.Description}");
        console.MarkupLineInterpolated($"[bold]run:[/] {result.RunDirectory}  (next: graft evaluate --run {result.RunDirectory})");
        return 0;
    }

    private static string EpochLine(EpochProgress p)
    {
        var m = p.Metrics;
        // LightGBM boosts all its rounds in one fit: "epoch 1/1" would suggest a single round.
        var step = m.L2 is { } l2 ? $"L2 {l2.ToString("G3", CultureInfo.InvariantCulture)}"
            : p.Head == HeadKind.LightGbm ? "boosting rounds fitted"
            : $"epoch {p.Step}/{p.MaxSteps}";
        return $"{p.Head.ToString().ToLowerInvariant()} {step}: loss {m.Loss:0.0000} acc {m.Accuracy:0.000} val_loss {m.ValLoss:0.0000} val_acc {m.ValAccuracy:0.000} ({m.Seconds:0.00} s)";
    }
}

public sealed class EvaluateSettings : RunSettings
{
    [CommandOption("--split <SPLIT>")]
    [Description("auto (default): test, or validation when the data has no test split, said in one line; or test, validation, train.")]
    [DefaultValue(EvaluationSplit.Auto)]
    public string Split { get; init; } = EvaluationSplit.Auto;

    [CommandOption("-c|--cache <DIR>")]
    [Description("Read features from this cache instead of the one recorded in the run.")]
    public string? Cache { get; init; }

    [CommandOption("--allow-missing")]
    [Description("Evaluate without the images whose cached features are missing or damaged, instead of refusing.")]
    public bool AllowMissing { get; init; }

    [CommandOption("--json")]
    [Description("Print the evaluation as one JSON object on stdout; the split-choice line goes to stderr.")]
    public bool Json { get; init; }

    public override ValidationResult Validate() =>
        base.Validate();
}

/// <summary><c>graft evaluate</c>: metrics, confusion matrix, report on a split (the test split by default, the
/// validation split when the data has none).</summary>
public sealed class EvaluateCommand(IAnsiConsole console, ErrorConsole errors) : Command<EvaluateSettings>
{
    public override int Execute(CommandContext context, EvaluateSettings settings, CancellationToken cancel)
    {
        var dir = ModelFileLocator.ExpandHome(settings.Run!);
        var choice = EvaluationSplit.Resolve(settings.Split, RunFolder.Load(dir).Config);
        if (choice.Note is not null)
        {
            if (settings.Json) errors.Console.WriteLine(choice.Note);
            else console.MarkupLineInterpolated($"[yellow]{choice.Note}[/]");
        }
        var report = Evaluator.Evaluate(dir, choice.Split, settings.Cache is null ? null : ModelFileLocator.ExpandHome(settings.Cache), settings.AllowMissing);
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(report.ToJson());
            return 0;
        }
        MetricsView.Render(console, report);
        return 0;
    }
}

/// <summary>The short table of an evaluation.</summary>
public static class MetricsView
{
    public static void Render(IAnsiConsole console, EvaluationReport report)
    {
        var m = report.Metrics;
        var t = new Table().Border(TableBorder.Rounded).AddColumn("metric").AddColumn(new TableColumn(report.Split.ToName()).RightAligned());
        t.AddRow("examples", m.NumExamples.ToString());
        t.AddRow("[bold]accuracy[/]", $"[bold]{m.Accuracy:P2}[/]");
        t.AddRow($"top-{Math.Min(5, m.ClassNames.Count)} accuracy", $"{m.Top5Accuracy:P2}"); // top-5 of 2 classes is always 100 %
        t.AddRow("macro F1", $"{m.MacroF1:0.0000}");
        t.AddRow("log loss", $"{m.LogLoss:0.0000}");
        console.Write(t);
        foreach (var pair in m.MostConfused.Take(3))
            console.MarkupLineInterpolated($"most confused: {pair.True} → {pair.Predicted} ({pair.Count}×, {pair.ShareOfTrue:P0} of {pair.True})");
        if (report.Warning is not null) console.MarkupLineInterpolated($"[yellow]{report.Warning}[/]");
        console.MarkupLineInterpolated($"metrics: {report.MetricsPath}");
        console.MarkupLineInterpolated($"[bold]report:[/] {report.ReportPath}");
    }
}

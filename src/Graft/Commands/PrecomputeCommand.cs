using System.ComponentModel;
using System.Text.Json;
using Graft.Cli.Rendering;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Precompute;
using Graft.FeatureCache.Store;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

public sealed class PrecomputeSettings : BackboneSettings
{
    [CommandOption("-c|--cache <DIR>")]
    [Description("Feature cache folder (created if needed). Rerunning computes only what is missing.")]
    public string? Cache { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto (CUDA when usable, else CPU), cpu, cuda or cuda:N.")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    [CommandOption("--batch-size <N>")]
    [Description("Images per inference call. Default 32.")]
    [DefaultValue(32)]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--threads <N>")]
    [Description("ONNX Runtime threads; 0 = one per core.")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--workers <N>")]
    [Description("Parallel decode workers; 0 = one per core.")]
    [DefaultValue(0)]
    public int Workers { get; init; }

    [CommandOption("--shard <I/N>")]
    [Description("Compute only shard I of N (0-based); N processes or machines share one dataset and cache folder. auto: I and N from a Slurm job array, a Kubernetes Indexed Job or GRAFT_SHARD.")]
    public string? Shard { get; init; }

    [CommandOption("--dtype <TYPE>")]
    [Description("float32 (default) or float16 (half the disk).")]
    [DefaultValue("float32")]
    public string DType { get; init; } = "float32";

    [CommandOption("--max-megapixels <MP>")]
    [Description("Skip images whose header claims more pixels than this (decompression bombs). Default 100.")]
    [DefaultValue(100.0)]
    public double MaxMegapixels { get; init; } = 100;

    [CommandOption("--json")]
    [Description("Print the summary as one JSON object on stdout instead of tables; progress goes to stderr.")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) return ValidationResult.Error("--data PATH is required.");
        if (string.IsNullOrWhiteSpace(Cache)) return ValidationResult.Error("--cache DIR is required.");
        if (BatchSize < 1) return ValidationResult.Error("--batch-size must be at least 1.");
        if (Threads < 0 || Workers < 0) return ValidationResult.Error("--threads and --workers must be 0 or more.");
        if (MaxMegapixels <= 0) return ValidationResult.Error("--max-megapixels must be positive.");
        if (MaxFileMegabytes <= 0) return ValidationResult.Error("--max-file-megabytes must be positive.");
        return ValidationResult.Success();
    }
}

/// <summary><c>graft precompute</c>: parse, call <see cref="FeaturePrecomputer.Run"/>, render.</summary>
public sealed class PrecomputeCommand(IAnsiConsole console, ErrorConsole errors) : Command<PrecomputeSettings>
{
    public override int Execute(CommandContext context, PrecomputeSettings settings, CancellationToken cancel)
    {
        var cache = OutputPaths.Folder(settings.Cache!, "--cache");
        string? shardSource = null;
        ShardSpec shard;
        if (string.Equals(settings.Shard?.Trim(), "auto", StringComparison.OrdinalIgnoreCase))
            (shard, shardSource) = ShardEnvironment.Resolve();
        else
            shard = ShardSpec.Parse(settings.Shard);
        var options = new PrecomputeOptions
        {
            BatchSize = settings.BatchSize,
            Threads = settings.Threads,
            DecodeWorkers = settings.Workers,
            Device = ExecutionDevice.Parse(settings.Device),
            Shard = shard,
            DType = FeatureDTypeExtensions.Parse(settings.DType),
            DecoderLimits = new DecoderLimits { MaxImageMegapixels = settings.MaxMegapixels, MaxFileMegabytes = settings.MaxFileMegabytes },
            Log = line => (settings.Json ? errors.Console : console).MarkupLineInterpolated($"[yellow]{line}[/]"),
        };
        var backbone = settings.ResolveBackbone();
        var dataset = settings.LoadDataset();
        var store = FeatureStore.OpenOrCreate(cache);
        if (shardSource is not null)
        {
            if (settings.Json) errors.Console.WriteLine(shardSource); // stdout holds only the JSON
            else console.MarkupLineInterpolated($"[bold]shard[/] {shard}: {shardSource}");
        }
        if (!settings.Json)
        {
            console.MarkupLineInterpolated($"[bold]dataset[/] {dataset.Root} ({dataset.Format}): {dataset.Items.Count} images, {dataset.ClassNames.Count} classes; splits: {dataset.SplitSource}");
            console.MarkupLineInterpolated($"[bold]backbone[/] {backbone.Name} → {backbone.Output.Dimension}-d, {backbone.Preprocess.Width}×{backbone.Preprocess.Height}; shard {options.Shard}; dtype {options.DType.ToName()}");
        }

        // With --json, standard output holds only the JSON document: progress goes to standard error, as plain lines.
        var summary = ProgressView.Run(settings.Json ? errors.Console : console, "precompute",
            p => FeaturePrecomputer.Run(dataset, backbone, store, options, p, cancel), plain: settings.Json);

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(summary, JsonOutput.Options));
            if (summary.Interrupted) errors.Console.MarkupLine("[yellow]interrupted[/]: finished batches are kept; rerun the same command to resume.");
        }
        else
            SummaryView.Render(console, summary);
        return summary.Interrupted ? ExitCodes.Interrupted : ExitCodes.Ok;
    }
}

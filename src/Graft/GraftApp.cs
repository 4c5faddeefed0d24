using Graft.Cli.Commands;
#if GRAFT_FINETUNE
using Graft.Cli.Commands.FineTune;
#endif
using Graft.Cli.Commands.Import;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli;

/// <summary>The <c>graft</c> command tree and its error policy: user mistakes print one line and exit 2, bugs exit 1
/// and show a stack trace only with --verbose; a full disk or an interruption (Ctrl+C, SIGTERM) prints one line and
/// exits 3. Errors go to <c>errors</c> (standard error in the real CLI), never mixed into a --json document.</summary>
public static class GraftApp
{
    public static int Run(string[] args, IAnsiConsole console, CancellationToken cancel = default, IAnsiConsole? errors = null)
    {
        var app = new CommandApp();
        var err = errors ?? console;
        var output = console;
        app.Configure(config => Configure(config, output, err));
        var verbose = args.Contains("--verbose");
        console = err; // from here on, only errors are printed
#if !GRAFT_FINETUNE
        if (args is ["finetune", ..] or ["bench", "finetune" or "convert", ..])
        {
            // The graft tool leaves libtorch out (a public feed refuses packages over 250 MB); fine-tuning ships apart.
            console.MarkupLine("[red]error:[/] fine-tuning is not part of this graft tool.");
            console.MarkupLine("[grey]hint:[/] dotnet tool install --global Graft.FineTune.Tool, then run graft-finetune finetune … (every graft command, plus fine-tuning).");
            return ExitCodes.UserError;
        }
#endif
        try
        {
            return app.Run(args, cancel);
        }
        catch (GraftException e)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            if (e.Hint is not null) console.MarkupLineInterpolated($"[grey]hint:[/] {e.Hint}");
            if (verbose) console.WriteException(e);
            return ExitCodes.For(e);
        }
        catch (CommandAppException e)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            if (Rendering.OptionSuggestion.Hint(e.Message) is { } hint)
                console.MarkupLineInterpolated($"[grey]hint:[/] {hint}");
            else
                console.MarkupLine("[grey]hint:[/] graft --help lists the commands; graft COMMAND --help its options.");
            return ExitCodes.UserError;
        }
        catch (Exception e) when (DiskFull.Is(e))
        {
            // One line, exit 3: writers went through temporary files (removed) or checksummed appends, so what was
            // finished is kept and the same command resumes once there is room.
            var io = FirstIOException(e);
            console.MarkupLineInterpolated($"[red]error:[/] the disk is full: {io.Message}. Finished work is kept; free space and rerun the same command to resume.");
            if (verbose) console.WriteException(e);
            return ExitCodes.Interrupted;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]cancelled[/]: finished work is kept; rerun the same command to resume.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            console.MarkupLineInterpolated($"[red]internal error:[/] {e.GetType().Name}: {e.Message}");
            if (verbose) console.WriteException(e);
            else console.MarkupLine("[grey]Rerun with --verbose for the stack trace, and please report it.[/]");
            return ExitCodes.InternalError;
        }
    }

    private static Exception FirstIOException(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is IOException) return x;
        return e;
    }

    private static void Configure(IConfigurator config, IAnsiConsole console, IAnsiConsole errors)
    {
        config.SetApplicationName("graft");
        config.SetApplicationVersion(typeof(GraftApp).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "0");
        config.Settings.Console = console;
        config.Settings.Registrar.RegisterInstance<IAnsiConsole>(console); // commands take it in their constructor
        config.Settings.Registrar.RegisterInstance(new Rendering.ErrorConsole(errors));
        config.PropagateExceptions();
        config.UseStrictParsing(); // an unknown or misspelt option is a user error, never silently ignored
        config.ValidateExamples();

        config.AddCommand<PrecomputeCommand>("precompute")
            .WithDescription("Run a frozen backbone over a dataset once and cache the pooled features on disk.")
            .WithExample("precompute", "--data", "data/fashion-mnist-mini/manifest.csv", "--cache", "cache")
            .WithExample("precompute", "--data", "~/tensorflow_datasets/oxford_flowers102", "--backbone", "nasnet_large", "--cache", "cache/flowers", "--shard", "0/2");
        config.AddCommand<TrainHeadCommand>("train-head")
            .WithDescription("Train a classification head on cached features (linear, mlp or lightgbm) into a run folder.")
            .WithExample("train-head", "--cache", "cache", "--head", "mlp", "--out", "runs/mlp");
        config.AddCommand<EvaluateCommand>("evaluate")
            .WithDescription("Evaluate a run on the test split: metrics.json, confusion matrix, HTML report.")
            .WithExample("evaluate", "--run", "runs/mlp");
        config.AddCommand<ReportCommand>("report")
            .WithDescription("A run at a glance (backbone, head, validation and test figures) and the path of its HTML report.")
            .WithExample("report", "--run", "runs/mlp");
        config.AddCommand<PredictCommand>("predict")
            .WithDescription("Classify image files with a run's backbone and head.")
            .WithExample("predict", "--run", "runs/mlp", "photos/", "--top-k", "3");
        config.AddCommand<ExportCommand>("export")
            .WithDescription("Export a run as one ONNX classifier or an ML.NET model zip.")
            .WithExample("export", "--run", "runs/mlp", "--format", "onnx", "-o", "classifier.onnx");
#if GRAFT_FINETUNE
        config.AddCommand<FineTuneCommand>("finetune")
            .WithDescription("Fine-tune the top layers of the backbone with the head of a head-training run (TorchSharp); write the result as ONNX.")
            .WithExample("finetune", "--run", "runs/flowers", "--train-top", "339", "--epochs", "5")
            .WithExample("finetune", "--run", "runs/hymenoptera", "--train-from", "Convolution359", "--lr", "1e-4");
#endif
        config.AddBranch("backbone", b =>
        {
            b.SetDescription("List and describe backbones (descriptors in models/onnx).");
            b.AddCommand<BackboneListCommand>("list").WithDescription("List the known backbones.");
            b.AddCommand<BackboneShowCommand>("show").WithDescription("Show one backbone's descriptor, resolved file and hash.");
            b.AddCommand<BackboneImportKerasCommand>("import-keras")
                .WithDescription("Build NASNetLarge/Mobile in C# from Keras weights (.h5) and write it as ONNX with its descriptor.")
                .WithExample("backbone", "import-keras", "--arch", "nasnet-large", "--weights", "~/.keras/models/NASNet-large-no-top.h5", "-o", "models/onnx/nasnet_large.onnx")
                .WithExample("backbone", "import-keras", "--arch", "nasnet-mobile", "--random-init", "--seed", "1", "-o", "models/onnx/nasnet_mobile_random.onnx");
            b.AddCommand<BackboneCheckCommand>("check")
                .WithDescription("Check a backbone against its descriptor: hash, layer count and cut, and the golden image's features.")
                .WithExample("backbone", "check", "resnet18");
            b.AddCommand<BackboneQuantizeCommand>("quantize")
                .WithDescription("Static int8 quantization (QDQ) of a backbone, calibrated on the training split of your data; writes NAME-int8.onnx and its descriptor.")
                .WithExample("backbone", "quantize", "resnet18", "--calibrate", "photos/", "--images", "256");
            b.AddCommand<BackboneLayersCommand>("layers")
                .WithDescription("List a backbone's layers as the fine-tuner counts them: index, name, type, parameters, output shape.")
                .WithExample("backbone", "layers", "nasnet_large", "--tsv");
            b.AddCommand<BackboneConvertCommand>("convert")
                .WithDescription("Write a float16 copy of a backbone (float32 in/out via casts) and its descriptor NAME-fp16.json, for CUDA.")
                .WithExample("backbone", "convert", "resnet18", "--to", "float16");
        });
        config.AddBranch("dataset", b =>
        {
            b.SetDescription("Look at a dataset before computing anything.");
            b.AddCommand<DatasetInspectCommand>("inspect")
                .WithDescription("Classes, counts per split, image sizes, pixel range and a 5×5 sample grid PNG.");
        });
        config.AddBranch("features", b =>
        {
            b.SetDescription("Read a feature cache.");
            b.AddCommand<FeaturesInfoCommand>("info").WithDescription("Feature sets in a cache, their counts and health.");
            b.AddCommand<FeaturesExportCommand>("export").WithDescription("Export cached features as .npy or .csv per split.");
            b.AddCommand<FeaturesMergeCommand>("merge")
                .WithDescription("Combine the cache folders of shards computed apart, after checking they come from one dataset and one feature set.")
                .WithExample("features", "merge", "cache-shard0", "cache-shard1", "--into", "cache");
        });
        config.AddBranch("bench", b =>
        {
            b.SetDescription("Measure speed (figures side by side; record them in docs/benchmarks.md).");
            b.AddCommand<BenchPrecomputeCommand>("precompute")
                .WithDescription("Raw inference, decode, the full pipeline and ML.NET's own path on the same photos.");
            b.AddCommand<BenchHeadsCommand>("heads")
                .WithDescription("Head retraining time on 10 000 × 4032 cached features vs the seed's recompute-every-epoch cost.");
#if GRAFT_FINETUNE
            b.AddCommand<BenchFineTuneCommand>("finetune")
                .WithDescription("Fine-tuning epoch with the boundary cache vs a full forward; TorchSharp vs PyTorch training steps.");
            b.AddCommand<BenchConvertCommand>("convert")
                .WithDescription("ONNX → TorchSharp conversion time, ONNX Runtime parity and one full training step per model.")
                .WithExample("bench", "convert", "/tmp/full/efficientnet_b0.onnx", "/tmp/full/swin_t.onnx");
#endif
            b.AddCommand<BenchReadCommand>("read").WithDescription("Read-back speed of a cache: all features of every split into arrays.");
            b.AddCommand<BenchGpuCommand>("gpu")
                .WithDescription("fp32 and fp16 ResNet18 / random-init NASNetLarge on the CUDA EP: images/s and GPU memory by batch size, pipeline speed, features against the CPU; one JSON (scripts/gpu-check.sh).")
                .WithExample("bench", "gpu", "--json", "artifacts/gpu-check.json");
            b.AddCommand<BenchQuantizeCommand>("quantize")
                .WithDescription("fp32 vs int8 (graft backbone quantize) in one run: raw inference and full pipeline images/s for ResNet18 and a random-init NASNetLarge.");
            b.AddCommand<BenchNasNetCommand>("nasnet")
                .WithDescription("NASNet precompute images/s at batch 1/8/32 next to the FLOP bound (random weights unless --model).");
        });
    }
}

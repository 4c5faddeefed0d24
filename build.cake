// Graft's build script (Cake 7). `dotnet tool restore && dotnet cake` runs the whole pipeline on the embedded dataset:
// precompute features once → train a head on them → evaluate on the test split → report. Data without a test split
// (e.g. hymenoptera: train + val): the head selects on a hold-out of train and Evaluate reports on the unseen
// validation split (metrics-validation.json, report-validation.html); one line says so.
//   dotnet cake --target=Test
//   dotnet cake --target=Pipeline --data=PATH --backbone=resnet18 --cache=cache/mine --head=mlp --run=runs/mine
var target = Argument("target", "Pipeline");
var configuration = Argument("configuration", "Release");
var data = Argument("data", "data/fashion-mnist-mini/manifest.csv");
var backbone = Argument("backbone", "resnet18");
var cache = Argument("cache", "cache/fashion-mnist-mini");
var device = Argument("device", "auto");
var batchSize = Argument("batch-size", 32);
var head = Argument("head", "linear");
var run = Argument("run", "runs/fashion-mnist-mini");
var holdOut = Argument("hold-out", "auto"); // auto: only when the data has no test split; true; false
var trainTop = Argument("train-top", "");
var trainFrom = Argument("train-from", "");
var libtorch = Argument("libtorch", "");   // e.g. libtorch-cuda-12.8-linux-x64 on a CUDA machine

var solution = "./Graft.sln";
var graftDll = $"./src/Graft/bin/{configuration}/net10.0/graft.dll";

void Graft(string arguments)
{
    var exit = StartProcess("dotnet", new ProcessSettings { Arguments = $"\"{graftDll}\" {arguments}" });
    if (exit != 0) throw new CakeException(exit, $"graft {arguments.Split(' ')[0]} failed with exit code {exit}");
}

// Whether the cache's feature sets hold a test split (graft features info --json).
bool CacheHasTestSplit()
{
    var settings = new ProcessSettings { Arguments = $"\"{graftDll}\" features info --cache \"{cache}\" --json", RedirectStandardOutput = true };
    using var process = StartAndReturnProcess("dotnet", settings);
    process.WaitForExit();
    if (process.GetExitCode() != 0) throw new CakeException(process.GetExitCode(), $"graft features info failed on {cache}");
    using var json = System.Text.Json.JsonDocument.Parse(string.Join("\n", process.GetStandardOutput()));
    return json.RootElement.EnumerateArray().Any(s => s.GetProperty("splits").GetProperty("test").ValueKind == System.Text.Json.JsonValueKind.Number
        && s.GetProperty("splits").GetProperty("test").GetInt32() > 0);
}

Task("Clean")
    .Description("Remove build outputs (bin/obj); caches and runs are left alone.")
    .Does(() =>
{
    CleanDirectories("./src/**/bin");
    CleanDirectories("./src/**/obj");
    CleanDirectories("./tests/**/bin");
    CleanDirectories("./tests/**/obj");
});

Task("Restore")
    .Description("Restore NuGet packages (the ResNet18 weights come with one).")
    .Does(() => DotNetRestore(solution));

Task("Build")
    .IsDependentOn("Restore")
    .Does(() => DotNetBuild(solution, new DotNetBuildSettings
    {
        Configuration = configuration,
        NoRestore = string.IsNullOrEmpty(libtorch),
        MSBuildSettings = string.IsNullOrEmpty(libtorch) ? null : new DotNetMSBuildSettings().WithProperty("LibTorchPackage", libtorch),
    }));

Task("Test")
    .Description("Run every test project.")
    .IsDependentOn("Build")
    .Does(() => DotNetTest(solution, new DotNetTestSettings { Configuration = configuration, NoBuild = true, NoRestore = true }));

Task("Pack")
    .Description("Packages into ./artifacts: the graft .NET tool (Graft.Tool, linux-x64, no fine-tuning), its companion with fine-tuning (Graft.FineTune.Tool, command graft-finetune), Graft.MlNet and Graft.FeatureCache.")
    .IsDependentOn("Build")
    .Does(() =>
{
    foreach (var project in new[] { "./src/FeatureCache/Graft.FeatureCache.csproj", "./src/MlNet/Graft.MlNet.csproj" })
        DotNetPack(project, new DotNetPackSettings { Configuration = configuration, NoBuild = true, NoRestore = true, OutputDirectory = "./artifacts" });
    // The tools are rebuilt with the CPU ONNX Runtime (no 385 MB of CUDA providers) and linux-x64 natives only, so each
    // stays under nuget.org's 250 MB limit; libtorch (460 MB unpacked) goes only into the fine-tuning companion.
    foreach (var edition in new[] { "core", "full" })
        DotNetPack("./src/Graft/Graft.csproj", new DotNetPackSettings
        {
            Configuration = configuration,
            OutputDirectory = "./artifacts",
            MSBuildSettings = new DotNetMSBuildSettings().WithProperty("GraftEdition", edition).WithProperty("OnnxRuntimePackage", "Microsoft.ML.OnnxRuntime"),
        });
    foreach (var package in GetFiles("./artifacts/*.nupkg"))
        Information($"{package.GetFilename()}: {new System.IO.FileInfo(package.FullPath).Length / 1e6:0.0} MB");
});

Task("Precompute")
    .Description("Compute backbone features for --data into --cache once (reruns reuse them).")
    .IsDependentOn("Build")
    .Does(() => Graft($"precompute --data \"{data}\" --backbone {backbone} --cache \"{cache}\" --device {device} --batch-size {batchSize}"));

Task("TrainHead")
    .Description("Train a --head (linear, mlp, lightgbm) on the cached features into --run.")
    .IsDependentOn("Build")
    // --feature-set: after FineTune the cache also holds the fine-tuned backbone's features; train on --backbone's
    // (a descriptor file's name is its file name without extension, as import-keras writes them).
    // Without a test split, selecting on the validation split would leave nothing unseen to evaluate on: hold out part
    // of train instead (--hold-out=auto, the default).
    .Does(() =>
{
    var useHoldOut = holdOut == "auto" ? !CacheHasTestSplit() : bool.Parse(holdOut);
    if (useHoldOut && holdOut == "auto")
        Information("No test split in the data: the head selects on a hold-out of train; Evaluate reports on the unseen validation split.");
    Graft($"train-head --cache \"{cache}\" --feature-set {System.IO.Path.GetFileNameWithoutExtension(backbone)} --head {head} --out \"{run}\" --overwrite{(useHoldOut ? " --hold-out" : "")}");
});

Task("Evaluate")
    .Description("Evaluate --run on the test split (metrics.json, confusion.png, report.html), or on the validation split when the data has none (metrics-validation.json, ...).")
    .IsDependentOn("Build")
    .Does(() => Graft($"evaluate --run \"{run}\""));

Task("Report")
    .Description("Print the run's selection and evaluation figures and the path of its HTML report.")
    .IsDependentOn("Build")
    .Does(() => Graft($"report --run \"{run}\""));

Task("FineTune")
    .Description("Fine-tune the top layers of --run's backbone (--train-top N or --train-from LAYER) with its head.")
    .IsDependentOn("Build")
    .Does(() =>
{
    // graft owns the rule (exactly one of the two) and says so in its own words.
    var cut = (string.IsNullOrEmpty(trainTop) ? "" : $"--train-top {trainTop} ") + (string.IsNullOrEmpty(trainFrom) ? "" : $"--train-from {trainFrom}");
    Graft($"finetune --run \"{run}\" {cut} --device {device}");
});

Task("GpuCheck")
    .Description("On a machine with an NVIDIA GPU: scripts/gpu-check.sh — builds, prints driver/CUDA/cuDNN, measures fp32 and fp16 ResNet18 and random-init NASNetLarge on the CUDA EP against the CPU, writes one JSON summary (artifacts/gpu-check/gpu-check.json). Skipped (not failed) without a GPU.")
    .Does(() =>
{
    // The script builds for itself (it must also run where Cake is not installed); exit 77 means no GPU here.
    var exit = StartProcess("bash", new ProcessSettings { Arguments = "scripts/gpu-check.sh artifacts/gpu-check" });
    if (exit == 77) Warning("GpuCheck skipped: no NVIDIA GPU on this machine (the lines above say what was found).");
    else if (exit != 0) throw new CakeException(exit, $"scripts/gpu-check.sh failed with exit code {exit}");
});

Task("Pipeline")
    .Description("Precompute → TrainHead → Evaluate → Report (the default).")
    .IsDependentOn("Precompute")
    .IsDependentOn("TrainHead")
    .IsDependentOn("Evaluate")
    .IsDependentOn("Report");

RunTarget(target);

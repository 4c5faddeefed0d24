// Graft's build script (Cake 7). `dotnet tool restore && dotnet cake` runs the default target on the embedded dataset.
//   dotnet cake --target=Test
//   dotnet cake --target=Precompute --data=PATH --backbone=resnet18 --cache=cache/mine
var target = Argument("target", "Precompute");
var configuration = Argument("configuration", "Release");
var data = Argument("data", "data/fashion-mnist-mini/manifest.csv");
var backbone = Argument("backbone", "resnet18");
var cache = Argument("cache", "cache/fashion-mnist-mini");
var device = Argument("device", "auto");
var batchSize = Argument("batch-size", 32);

var solution = "./Graft.sln";
var graftDll = $"./src/Graft/bin/{configuration}/net10.0/graft.dll";

void Graft(string arguments)
{
    var exit = StartProcess("dotnet", new ProcessSettings { Arguments = $"\"{graftDll}\" {arguments}" });
    if (exit != 0) throw new CakeException(exit, $"graft {arguments.Split(' ')[0]} failed with exit code {exit}");
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
    .Does(() => DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration, NoRestore = true }));

Task("Test")
    .Description("Run every test project.")
    .IsDependentOn("Build")
    .Does(() => DotNetTest(solution, new DotNetTestSettings { Configuration = configuration, NoBuild = true, NoRestore = true }));

Task("Precompute")
    .Description("Compute backbone features for --data into --cache once (reruns reuse them).")
    .IsDependentOn("Build")
    .Does(() => Graft($"precompute --data \"{data}\" --backbone {backbone} --cache \"{cache}\" --device {device} --batch-size {batchSize}"));

RunTarget(target);

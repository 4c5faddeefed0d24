using System.Text.Json;
using Graft.Cli.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace Graft.Cli.Tests;

/// <summary>
/// The Kubernetes manifests under deploy/k8s, checked for the fields Graft relies on (no cluster here): an Indexed Job
/// whose completions, parallelism and GRAFT_SHARD_COUNT agree, a shared ReadWriteMany volume, a GPU request, and
/// container arguments that graft itself accepts — run for two pod indices with the environment Kubernetes would give.
/// </summary>
public sealed class DeployManifestTests : IDisposable
{
    private readonly TempDir _temp = new("k8s");

    public void Dispose() => _temp.Dispose();

    private static List<YamlMappingNode> Documents(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Repo.Root, "deploy", "k8s", file));
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static YamlNode At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
            node = key.StartsWith('#') ? ((YamlSequenceNode)node).Children[int.Parse(key[1..])] : ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        return node;
    }

    private static string Text(YamlNode node, params string[] path) => ((YamlScalarNode)At(node, path)).Value!;

    [Fact]
    public void PrecomputeJob_IsAnIndexedJobWhoseCountsAgree_OnASharedVolume()
    {
        var docs = Documents("precompute-job.yaml");
        var pvc = docs.Single(d => Text(d, "kind") == "PersistentVolumeClaim");
        var job = docs.Single(d => Text(d, "kind") == "Job");

        Assert.Equal("ReadWriteMany", Text(pvc, "spec", "accessModes", "#0"));
        Assert.Equal("batch/v1", Text(job, "apiVersion"));
        Assert.Equal("Indexed", Text(job, "spec", "completionMode"));
        var completions = Text(job, "spec", "completions");
        Assert.Equal(completions, Text(job, "spec", "parallelism"));
        Assert.Equal("Never", Text(job, "spec", "template", "spec", "restartPolicy"));
        var container = At(job, "spec", "template", "spec", "containers", "#0");
        var env = ((YamlSequenceNode)At(container, "env")).Children.ToDictionary(e => Text(e, "name"), e => Text(e, "value"));
        Assert.Equal(completions, env["GRAFT_SHARD_COUNT"]);
        Assert.Equal("1", Text(container, "resources", "limits", "nvidia.com/gpu"));
        var claim = Text(job, "spec", "template", "spec", "volumes", "#0", "persistentVolumeClaim", "claimName");
        Assert.Equal(Text(pvc, "metadata", "name"), claim);
        var args = ((YamlSequenceNode)At(container, "args")).Children.Select(a => ((YamlScalarNode)a).Value!).ToList();
        Assert.Equal("auto", args[args.IndexOf("--shard") + 1]);
        Assert.StartsWith(Text(container, "volumeMounts", "#0", "mountPath"), args[args.IndexOf("--cache") + 1]);
    }

    [Fact]
    public void PrecomputeJob_ContainerArguments_RunAsTwoPodsWouldRunThem()
    {
        var job = Documents("precompute-job.yaml").Single(d => Text(d, "kind") == "Job");
        var container = At(job, "spec", "template", "spec", "containers", "#0");
        var count = Text(job, "spec", "completions");
        var data = _temp.File("shared/data");
        var cache = _temp.File("shared/cache");
        SyntheticImages.WriteFolderDataset(data, 2, new Dictionary<string, int> { ["train"] = 6, ["val"] = 2 }, size: 32);
        var args = ((YamlSequenceNode)At(container, "args")).Children
            .Select(a => ((YamlScalarNode)a).Value!.Replace("/shared", _temp.File("shared"), StringComparison.Ordinal)).ToList();
        args[args.IndexOf("--device") + 1] = "cpu";

        var computed = 0;
        foreach (var index in new[] { 0, int.Parse(count) - 1 })
        {
            var (exit, stdout, stderr) = GraftCli.RunProcess(args, environment: new Dictionary<string, string?>
            {
                ["JOB_COMPLETION_INDEX"] = index.ToString(), ["GRAFT_SHARD_COUNT"] = count,
            });
            Assert.True(exit == 0, stdout + stderr);
            Assert.Contains($"shard from Kubernetes: completion index {index} of {count}", stderr);
            computed += PrecomputeCommandTests.Json(stdout).GetProperty("computed").GetInt32();
        }
        // What the two pods wrote is in the shared cache: a plain precompute reuses exactly that and computes the rest.
        var (plainExit, output) = GraftCli.Run("precompute", "--data", data, "--cache", cache, "--json");
        Assert.Equal(0, plainExit);
        var rest = PrecomputeCommandTests.Json(output);
        Assert.Equal(computed, rest.GetProperty("reused").GetInt32());
        Assert.Equal(16, computed + rest.GetProperty("computed").GetInt32());
        Assert.InRange(computed, 1, 15);
    }

    [Fact]
    public void TrainHeadJob_ReadsTheSameClaimAndCache()
    {
        var job = Documents("train-head-job.yaml").Single();
        var script = Text(job, "spec", "template", "spec", "containers", "#0", "args", "#0");
        Assert.Contains("--cache /shared/cache", script);
        Assert.Equal("graft-shared", Text(job, "spec", "template", "spec", "volumes", "#0", "persistentVolumeClaim", "claimName"));
    }
}

using System.Collections;
using Graft.FeatureCache.Precompute;

namespace Graft.FeatureCache.Tests.Precompute;

public sealed class ShardEnvironmentTests
{
    private static (ShardSpec Shard, string Source) Resolve(params (string Name, string Value)[] vars)
    {
        var env = new Hashtable();
        foreach (var (n, v) in vars) env[n] = v;
        return ShardEnvironment.Resolve(env);
    }

    [Fact]
    public void SlurmArray_IndexAndCountFromTheTaskVariables()
    {
        var (shard, source) = Resolve(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "3"));
        Assert.Equal(new ShardSpec(2, 4), shard);
        Assert.Contains("Slurm", source);
    }

    [Fact]
    public void SlurmArray_OffsetAndStep_MapToZeroBasedShards()
    {
        // sbatch --array=10-16:2 → tasks 10, 12, 14, 16: four shards.
        var (shard, _) = Resolve(("SLURM_ARRAY_TASK_ID", "14"), ("SLURM_ARRAY_TASK_MIN", "10"), ("SLURM_ARRAY_TASK_MAX", "16"), ("SLURM_ARRAY_TASK_STEP", "2"));
        Assert.Equal(new ShardSpec(2, 4), shard);
    }

    [Fact]
    public void KubernetesIndexedJob_NeedsTheCountFromTheManifest()
    {
        var (shard, source) = Resolve(("JOB_COMPLETION_INDEX", "3"), ("GRAFT_SHARD_COUNT", "8"));
        Assert.Equal(new ShardSpec(3, 8), shard);
        Assert.Contains("Kubernetes", source);
        var e = Assert.Throws<GraftException>(() => Resolve(("JOB_COMPLETION_INDEX", "3")));
        Assert.Contains("GRAFT_SHARD_COUNT", e.Hint);
    }

    [Fact]
    public void GraftShard_WinsOverSchedulerVariables()
    {
        var (shard, source) = Resolve(("GRAFT_SHARD", "1/3"), ("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "2"));
        Assert.Equal(new ShardSpec(1, 3), shard);
        Assert.Contains("GRAFT_SHARD", source);
    }

    [Theory]
    [InlineData()]
    [InlineData("SLURM_ARRAY_TASK_ID", "x")]
    [InlineData("SLURM_ARRAY_TASK_ID", "5")]
    public void NoneOrMalformed_IsAUserError(params string[] pair)
    {
        var vars = pair.Length == 2 ? new[] { (pair[0], pair[1]), ("SLURM_ARRAY_TASK_COUNT", "4") } : [];
        Assert.Throws<GraftException>(() => Resolve(vars));
    }

    [Fact]
    public void Shards_FromAnyOrigin_CoverEveryItemOnce()
    {
        var ids = Enumerable.Range(0, 500).Select(i => $"train/class{i % 7}/img{i}.jpg").ToList();
        var shards = Enumerable.Range(0, 4).Select(i => Resolve(("SLURM_ARRAY_TASK_ID", $"{i}"), ("SLURM_ARRAY_TASK_COUNT", "4")).Shard).ToList();
        Assert.All(ids, id => Assert.Equal(1, shards.Count(s => s.Contains(id))));
    }
}

using System.Collections;

namespace Graft.FeatureCache.Precompute;

/// <summary>
/// <c>--shard auto</c>: the shard index and count from the scheduler that started this process, so one job script
/// serves every task of an array. Sources, in order: <c>GRAFT_SHARD=I/N</c> (explicit); a Slurm job array
/// (<c>SLURM_ARRAY_TASK_ID</c> with <c>SLURM_ARRAY_TASK_COUNT</c>, or <c>_MIN</c>/<c>_MAX</c>/<c>_STEP</c>); a Kubernetes
/// Indexed Job (<c>JOB_COMPLETION_INDEX</c>, with the completions count passed by the manifest as
/// <c>GRAFT_SHARD_COUNT</c> or <c>JOB_COMPLETIONS</c> — Kubernetes sets the index but not the count).
/// </summary>
public static class ShardEnvironment
{
    /// <summary>The shard the environment names and one line saying where it came from; throws
    /// <see cref="GraftException"/> when no scheduler variable is set or one is malformed.</summary>
    public static (ShardSpec Shard, string Source) Resolve(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        string? Get(string name) => environment[name] as string is { Length: > 0 } v ? v.Trim() : null;

        if (Get("GRAFT_SHARD") is { } explicitShard)
            return (ShardSpec.Parse(explicitShard), $"shard from GRAFT_SHARD={explicitShard}");

        if (Get("SLURM_ARRAY_TASK_ID") is { } taskText)
        {
            var task = Number("SLURM_ARRAY_TASK_ID", taskText);
            var min = Get("SLURM_ARRAY_TASK_MIN") is { } m ? Number("SLURM_ARRAY_TASK_MIN", m) : 0;
            var step = Get("SLURM_ARRAY_TASK_STEP") is { } s ? Math.Max(1, Number("SLURM_ARRAY_TASK_STEP", s)) : 1;
            int count;
            if (Get("SLURM_ARRAY_TASK_COUNT") is { } c) count = Number("SLURM_ARRAY_TASK_COUNT", c);
            else if (Get("SLURM_ARRAY_TASK_MAX") is { } max) count = (Number("SLURM_ARRAY_TASK_MAX", max) - min) / step + 1;
            else throw new GraftException("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is.",
                "Run inside an sbatch --array job, or pass --shard I/N.");
            var index = (task - min) / step;
            if ((task - min) % step != 0 || index < 0 || index >= count)
                throw new GraftException($"Slurm array task {task} is not one of the array's {count} tasks (min {min}, step {step}).");
            return (new ShardSpec(index, count), $"shard from Slurm: array task {task} (min {min}, step {step}) of {count}");
        }

        if (Get("JOB_COMPLETION_INDEX") is { } indexText)
        {
            var index = Number("JOB_COMPLETION_INDEX", indexText);
            var countText = Get("GRAFT_SHARD_COUNT") ?? Get("JOB_COMPLETIONS")
                ?? throw new GraftException("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the number of completions is not.",
                    "Pass it in the Job's env: GRAFT_SHARD_COUNT = spec.completions (deploy/k8s/precompute-job.yaml does).");
            var count = Number("GRAFT_SHARD_COUNT", countText);
            if (index >= count) throw new GraftException($"JOB_COMPLETION_INDEX {index} is not below the completions count {count}.");
            return (new ShardSpec(index, count), $"shard from Kubernetes: completion index {index} of {count}");
        }

        throw new GraftException("--shard auto found no scheduler: none of GRAFT_SHARD, SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX is set.",
            "Run it as a Slurm array task or a Kubernetes Indexed Job, set GRAFT_SHARD=I/N, or pass --shard I/N.");
    }

    private static int Number(string name, string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw new GraftException($"{name}='{text}' is not a non-negative whole number.");
}

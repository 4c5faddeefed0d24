namespace Graft.Bench.FineTune;

/// <summary>Settings of <see cref="FineTuneBenchmark"/>.</summary>
public sealed record FineTuneBenchOptions
{
    /// <summary>Train from this layer (default: the descriptor's <c>fineTune.trainFrom</c>, ResNet18's last stage).</summary>
    public string? TrainFrom { get; init; }

    /// <summary>Or the top N layers.</summary>
    public int? TrainTop { get; init; }

    /// <summary>Training images per epoch (the first N train items).</summary>
    public int Images { get; init; } = 96;

    public int BatchSize { get; init; } = 32;

    /// <summary>Rounds of one epoch per mode (alternating, after a warm-up batch each); the fastest epoch per mode counts.</summary>
    public int Epochs { get; init; } = 2;

    /// <summary>Timed training steps for the throughput figures (the fastest counts).</summary>
    public int Steps { get; init; } = 4;

    public int Threads { get; init; }

    public string Device { get; init; } = "auto";

    public int Seed { get; init; } = 42;
}

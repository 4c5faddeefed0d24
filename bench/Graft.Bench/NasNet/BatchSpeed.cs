using Graft.ModelImport;
namespace Graft.Bench.NasNet;

/// <summary>Images per second of one batch size: <paramref name="BatchesTimed"/> batches of
/// <paramref name="BatchSize"/> ready tensors in <paramref name="Seconds"/>, after one warm-up batch.</summary>
public sealed record BatchSpeed(int BatchSize, double ImagesPerSecond, int BatchesTimed, double Seconds);

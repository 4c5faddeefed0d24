using Graft.HeadTrainer.Training;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;
namespace Graft.FineTuner.Training.Checkpoints;

/// <summary>The bookkeeping of a fine-tuning run after an epoch (<c>checkpoint/state.json</c>).</summary>
/// <param name="Identity">The run's identity text (model hash, head, data, options); a resume must match it.</param>
/// <param name="InitialEpoch">Head-only epochs before fine-tuning (the seed's initial_epoch).</param>
/// <param name="LastEpoch">Last completed epoch number.</param>
/// <param name="Rows">Fine-tuning history rows so far.</param>
/// <param name="BestValLoss">Lowest validation loss so far (+∞ before the first epoch).</param>
/// <param name="BestEpoch">Epoch of <paramref name="BestValLoss"/> (0: the starting weights).</param>
/// <param name="EpochsWithoutImprovement">For early stopping.</param>
/// <param name="Stopped">True once early stopping fired or the last epoch finished.</param>
/// <param name="ModelFile">File (in the checkpoint folder) with the weights and optimizer state after <paramref name="LastEpoch"/>.</param>
/// <param name="BestFile">File with the weights of <paramref name="BestEpoch"/>, or null before the first improvement.</param>
public sealed record CheckpointState(
    string Identity,
    int InitialEpoch,
    int LastEpoch,
    IReadOnlyList<EpochRecord> Rows,
    double BestValLoss,
    int BestEpoch,
    int EpochsWithoutImprovement,
    bool Stopped,
    string? ModelFile,
    string? BestFile);

namespace Graft.HeadTrainer.Training;

/// <summary>
/// Reported after each epoch (MLP), each L2 grid point (linear) or once (LightGBM), for a progress bar.
/// </summary>
/// <param name="Head">The head being trained.</param>
/// <param name="Step">1-based epoch or grid point.</param>
/// <param name="MaxSteps">The epoch cap or the grid size.</param>
/// <param name="Metrics">The step's metrics.</param>
/// <param name="BestStep">Step with the lowest val_loss so far (what early stopping or selection keeps).</param>
/// <param name="Stage">"epoch", "l2-grid" or "fit".</param>
public sealed record EpochProgress(HeadKind Head, int Step, int MaxSteps, EpochRecord Metrics, int BestStep, string Stage);

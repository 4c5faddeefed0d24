using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
namespace Graft.FineTuner.Training;

/// <summary>What a fine-tuning run reports while it works (the CLI renders it; the library never prints).</summary>
/// <param name="Phase">"setup", "cache" (computing boundary activations), "train", "validate", "evaluate", "write".</param>
/// <param name="Epoch">Current epoch number (0 outside epochs).</param>
/// <param name="Done">Images or batches done in this phase.</param>
/// <param name="Total">Images or batches in this phase.</param>
/// <param name="Loss">Running mean loss (NaN when not applicable).</param>
/// <param name="Accuracy">Running accuracy (NaN when not applicable).</param>
/// <param name="Message">A log line (device, freeze plan, resume, epoch summary), or null.</param>
public sealed record FineTuneProgress(string Phase, int Epoch, int Done, int Total, double Loss = double.NaN, double Accuracy = double.NaN, string? Message = null);

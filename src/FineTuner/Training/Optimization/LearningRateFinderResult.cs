using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training;
namespace Graft.FineTuner.Training.Optimization;

/// <summary>The outcome of <see cref="LearningRateFinder.Run"/>.</summary>
/// <param name="Rates">Head learning rate of each step.</param>
/// <param name="Losses">Smoothed training loss after each step.</param>
/// <param name="Suggested">fastai's "valley" suggestion (<c>--lr</c>).</param>
/// <param name="MinimumOverTen">The rate of the lowest loss, ÷ 10.</param>
/// <param name="Steepest">The rate of the steepest descent.</param>
/// <param name="PlotPath">lr_finder.png: smoothed loss against the rate, the suggestion marked.</param>
/// <param name="CsvPath">lr_finder.csv: step, lr, loss.</param>
/// <param name="Log">Setup and result lines.</param>
public sealed record LearningRateFinderResult(IReadOnlyList<double> Rates, IReadOnlyList<double> Losses, double Suggested, double MinimumOverTen,
    double Steepest, string PlotPath, string CsvPath, IReadOnlyList<string> Log);

using Graft.FeatureCache.Datasets;
using Graft.HeadTrainer.Reporting;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using TorchSharp;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Optimization;

/// <summary>
/// The learning-rate range test (Smith 2015; fastai's <c>lr_find</c>): from the run's starting weights, train on the
/// training split with the rate growing exponentially each step, record the smoothed loss, stop when it diverges, and
/// suggest a rate — fastai's "valley" rule (the middle of the longest descent), with its older "minimum ÷ 10" and
/// "steepest descent" beside it. Writes <c>lr_finder.png</c> and <c>lr_finder.csv</c>; trains nothing that is kept.
/// </summary>
public static class LearningRateFinder
{
    /// <summary>Smoothing of the recorded loss (fastai's β).</summary>
    private const double Beta = 0.98;

    /// <summary>The test stops once the smoothed loss exceeds this multiple of its minimum.</summary>
    private const double DivergenceFactor = 4;

    public static LearningRateFinderResult Run(FineTuneInputs inputs, FineTuneOptions options, IProgress<FineTuneProgress>? progress = null,
        CancellationToken cancel = default, double startRate = 1e-7, double endRate = 10, int steps = 100)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!(startRate > 0 && endRate > startRate) || steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), "Need 0 < start < end and 2+ steps.");
        var train = inputs.Items.Where(i => i.Split == Split.Train).ToList();
        if (train.Count < 2)
            throw new GraftException($"--find-lr needs a training split; the run has {train.Count} training image(s).",
                "Run it on a head run whose cache has training images.");

        torch.manual_seed(options.Seed);
        Directory.CreateDirectory(inputs.OutputDirectory);
        using var session = FineTuneSession.Create(inputs.Backbone, inputs.Head, options);
        var log = new RunLog(progress, session.Log);
        var (feeder, _) = FeederSetup.Prepare(session, train, options, log.Say, progress, cancel);
        using var optimizer = ParameterOptimizer.Create(options.Optimizer, session.ParameterGroups(options), options.EffectiveWeightDecay);
        var loop = new EpochLoop(session, feeder, optimizer, options);

        double RateAt(int step) => startRate * Math.Pow(endRate / startRate, (double)step / (steps - 1));
        var rates = new List<double>();
        var losses = new List<double>();
        double average = 0, best = double.PositiveInfinity;
        var diverged = false;
        for (var epoch = 1; rates.Count < steps && !diverged; epoch++)
        {
            var offset = rates.Count;
            loop.Train(train, epoch, b => RateAt(offset + b), progress, cancel, maxSteps: steps - offset, afterStep: (b, loss) =>
            {
                var i = offset + b;
                average = Beta * average + (1 - Beta) * loss;
                var smoothed = average / (1 - Math.Pow(Beta, i + 1));
                rates.Add(RateAt(i));
                losses.Add(smoothed);
                best = Math.Min(best, smoothed);
                diverged = !double.IsFinite(smoothed) || i > 0 && smoothed > DivergenceFactor * best;
                return !diverged;
            });
        }
        // The diverged point is kept in the plot but not offered as a suggestion.
        var usable = diverged ? rates.Count - 1 : rates.Count;
        var valley = rates[Valley(losses, usable)];
        // The first tenth is skipped for the minimum: a handful of mini-batches there is noise, not a trend (on a head
        // that is already trained the curve starts flat).
        var skip = Math.Min(usable - 1, Math.Max(1, usable / 10));
        var minimum = rates[Enumerable.Range(skip, usable - skip).MinBy(i => losses[i])] / 10;
        var steepest = rates[Steepest(rates, losses, usable)];

        var csv = Path.Combine(inputs.OutputDirectory, "lr_finder.csv");
        AtomicFile.WriteAllText(csv, "step,lr,loss\n" + string.Concat(rates.Select((r, i) => FormattableString.Invariant($"{i + 1},{r:R},{losses[i]:R}\n"))));
        var png = Path.Combine(inputs.OutputDirectory, "lr_finder.png");
        AtomicFile.WriteAllBytes(png, PlotImages.Png(Plot(rates, losses, valley), 800, 500));
        log.Say($"lr finder: {rates.Count} steps from {rates[0]:G2} to {rates[^1]:G2}{(diverged ? " (stopped: the loss diverged)" : "")}; "
            + $"suggested --lr {valley:G2} (valley); minimum/10 {minimum:G2}; steepest {steepest:G2}");
        return new LearningRateFinderResult(rates, losses, valley, minimum, steepest, png, csv, log.Lines);
    }

    /// <summary>fastai's "valley": the longest stretch over which the loss keeps falling (longest decreasing
    /// subsequence), and a point two-thirds down it.</summary>
    internal static int Valley(IReadOnlyList<double> losses, int count)
    {
        if (count < 3) return 0;
        var length = new int[count];
        Array.Fill(length, 1);
        for (var i = 1; i < count; i++)
            for (var j = 0; j < i; j++)
                if (losses[i] < losses[j] && length[i] < length[j] + 1) length[i] = length[j] + 1;
        var end = Array.IndexOf(length, length.Max());
        var start = end - length[end];
        var section = (end - start) / 3.0;
        return Math.Clamp(start + (int)section + (int)(section / 2), 0, count - 1);
    }

    /// <summary>The step where the loss falls fastest against log(rate), the slope taken over a window of steps so the
    /// mini-batch noise at tiny rates does not win.</summary>
    private static int Steepest(IReadOnlyList<double> rates, IReadOnlyList<double> losses, int count)
    {
        var window = Math.Max(1, count / 10);
        var first = 2 * window; // the first tenth skipped, as for the minimum, then one window back
        if (count <= first) return 0;
        return Enumerable.Range(first, count - first)
            .MinBy(i => (losses[i] - losses[i - window]) / (Math.Log(rates[i]) - Math.Log(rates[i - window])));
    }

    private static PlotModel Plot(IReadOnlyList<double> rates, IReadOnlyList<double> losses, double suggested)
    {
        var model = new PlotModel { Title = "Learning-rate range test" };
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "learning rate (head; backbone × multiplier)" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "training loss (smoothed)" });
        var line = new LineSeries { Color = OxyColors.SteelBlue, StrokeThickness = 2 };
        for (var i = 0; i < rates.Count; i++)
            if (double.IsFinite(losses[i])) line.Points.Add(new DataPoint(rates[i], losses[i]));
        model.Series.Add(line);
        model.Annotations.Add(new LineAnnotation
        {
            Type = LineAnnotationType.Vertical, X = suggested, Color = OxyColors.OrangeRed, LineStyle = LineStyle.Dash,
            Text = FormattableString.Invariant($"suggested {suggested:G2}"),
        });
        return model;
    }
}

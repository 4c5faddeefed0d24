using Graft.FeatureCache.Datasets;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Evaluation;

/// <summary>
/// The split <c>graft evaluate</c>, <c>graft report</c> and the Cake pipeline use when none is named: the test split when
/// the run's data has one; otherwise the validation split, with one line that says why and how far to trust it (unseen
/// when the run selected on a hold-out of train, optimistic when it also chose the model).
/// </summary>
public static class EvaluationSplit
{
    /// <summary>The name that asks for this choice on the command line.</summary>
    public const string Auto = "auto";

    /// <summary>Resolves <paramref name="requested"/> ("auto", or a split name) for <paramref name="config"/>'s run.
    /// <see cref="Choice.Note"/> is null when the split was named or is the test split.</summary>
    public static Choice Resolve(string requested, RunConfig config)
    {
        if (!string.Equals(requested, Auto, StringComparison.OrdinalIgnoreCase))
            return new Choice(SplitNames.Parse(requested), null);
        if (config.Splits.Test > 0)
            return new Choice(Split.Test, null);
        var note = config.Splits.ValidationSource.Kind == ValidationSource.HoldOut
            ? "No test split: evaluating on the validation split, which this run never saw (it selected on a hold-out of train)."
            : "No test split: evaluating on the validation split, which also chose this model, so the figures are optimistic; " +
              "train with --hold-out to keep it unseen.";
        return new Choice(Split.Validation, note);
    }

    /// <param name="Split">The split to evaluate.</param>
    /// <param name="Note">One line for the user when the choice was not the test split they may expect.</param>
    public sealed record Choice(Split Split, string? Note);
}

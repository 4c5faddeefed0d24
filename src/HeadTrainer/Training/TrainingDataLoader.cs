using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Store;

namespace Graft.HeadTrainer.Training;

/// <summary>
/// Reads the training and validation rows of a feature set and checks that a head can be trained on them: at least two
/// classes with training rows, a non-empty training split, and no class in the validation or test split that the
/// training split lacks. When the cache has no validation split (or <see cref="HeadTrainingOptions.HoldOutValidation"/>
/// asks for it) a seeded stratified hold-out of the training split becomes the validation set.
/// </summary>
public static class TrainingDataLoader
{
    public static TrainingData Load(FeatureSet set, HeadTrainingOptions options)
    {
        var manifest = set.LoadManifest();
        var classes = manifest.ClassNames;
        if (classes.Count < 2)
            throw new GraftException($"The cache's dataset has {classes.Count} class{(classes.Count == 1 ? $" ('{classes[0]}')" : "es")}; a classifier needs at least 2.",
                "Check the dataset: one sub-folder (or label) per class.");

        var read = set.ReadSplits(manifest, [Split.Train, Split.Validation]);
        // Missing rows would silently shrink training, or empty the validation split and turn it into a hold-out.
        MissingFeatures.Check(set, manifest, read, options.AllowMissing);
        var train = ToLabeled(read.Splits[Split.Train]);
        var validationSplit = ToLabeled(read.Splits[Split.Validation]);
        if (train.Count == 0)
            throw new GraftException($"The training split of feature set {set.Id} is empty.",
                "Precompute features for a dataset with a train split (or let precompute split it: see graft precompute --help).");

        var trainClasses = train.Labels.ToHashSet();
        if (trainClasses.Count < 2)
            throw new GraftException($"All {train.Count} training images belong to one class ('{classes[train.Labels[0]]}'); a classifier needs at least 2.",
                "Add images of the other classes to the training split.");

        // Labels of every split, from the manifest: the test split's features are never read here.
        var testLabels = manifest.Items
            .Where(i => SplitNames.TryParse(i.Split, out var s) && s == Split.Test && i.Sha256 is not null)
            .Select(i => i.Label).ToList();
        CheckSeen("test", testLabels, trainClasses, classes);
        CheckSeen("validation", validationSplit.Labels, trainClasses, classes);

        LabeledFeatures fit, validation;
        ValidationSource source;
        if (validationSplit.Count > 0 && !options.HoldOutValidation)
        {
            fit = train;
            validation = validationSplit;
            source = new ValidationSource(ValidationSource.Split, null, null, validation.Count,
                $"the cache's validation split: {validation.Count} rows");
        }
        else
        {
            var (keep, held) = StratifiedHoldOut.Split(train, options.ValidationFraction, options.Seed);
            fit = train.Take(keep);
            validation = train.Take(held);
            var why = validationSplit.Count == 0 ? "the cache has no validation split" : "hold-out requested";
            source = new ValidationSource(ValidationSource.HoldOut, options.ValidationFraction, options.Seed, validation.Count,
                $"stratified hold-out of {options.ValidationFraction:P0} of train (seed {options.Seed}; {why}): {validation.Count} rows");
        }

        return new TrainingData
        {
            Set = set,
            Manifest = manifest,
            Train = fit,
            Validation = validation,
            ValidationSource = source,
            TestCount = testLabels.Count,
            MissingFeatures = read.Missing.Count,
            Skipped = manifest.Items.Count(i => i.Sha256 is null),
        };
    }

    /// <summary>SplitFeatures → LabeledFeatures (same arrays, no copy).</summary>
    public static LabeledFeatures ToLabeled(SplitFeatures split) => new(split.Dimension, split.Features, split.Labels, split.Ids);

    private static void CheckSeen(string split, IEnumerable<int> labels, HashSet<int> trainClasses, IReadOnlyList<string> classes)
    {
        var unseen = labels.Where(l => !trainClasses.Contains(l)).Distinct().Order().ToList();
        if (unseen.Count == 0) return;
        var names = string.Join(", ", unseen.Select(l => l >= 0 && l < classes.Count ? $"'{classes[l]}'" : $"#{l}"));
        throw new GraftException(
            $"The {split} split has class{(unseen.Count > 1 ? "es" : "")} {names} that the training split has no images of; a head cannot learn {(unseen.Count > 1 ? "them" : "it")}.",
            $"Add training images of {names}, or remove {(unseen.Count > 1 ? "those classes" : "that class")} from the {split} split.");
    }
}

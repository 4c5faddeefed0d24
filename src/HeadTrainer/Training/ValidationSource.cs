namespace Graft.HeadTrainer.Training;

/// <summary>
/// Where the validation rows came from, as config.json records it: the cache's own validation split, or a seeded
/// stratified hold-out from the training split (when the cache has no validation split, or when asked for).
/// </summary>
/// <param name="Kind">"split" or "hold-out".</param>
/// <param name="Fraction">Hold-out fraction of each class; null for "split".</param>
/// <param name="Seed">Hold-out seed; null for "split".</param>
/// <param name="Count">Validation rows.</param>
/// <param name="Description">One line for logs, e.g. "stratified hold-out of 10% of train (seed 42): 150 rows".</param>
public sealed record ValidationSource(string Kind, double? Fraction, long? Seed, int Count, string Description)
{
    public const string Split = "split";
    public const string HoldOut = "hold-out";
}

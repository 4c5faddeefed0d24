using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Runs;

/// <summary>Rows per split as used by the run.</summary>
/// <param name="Train">Rows the head was fitted on.</param>
/// <param name="Validation">Rows used for selection / early stopping.</param>
/// <param name="Test">Test images in the cache (never used in training).</param>
/// <param name="ValidationSource">Where the validation rows came from.</param>
/// <param name="MissingFeatures">Train/validation images without readable features (left out).</param>
/// <param name="Skipped">Images precompute could not read (left out).</param>
public sealed record RunSplits(int Train, int Validation, int Test, ValidationSource ValidationSource, int MissingFeatures, int Skipped);

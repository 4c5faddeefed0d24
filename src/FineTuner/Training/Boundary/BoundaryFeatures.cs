using Graft.FeatureCache.Store;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Boundary;

/// <summary>Pooled features of the fine-tuned backbone computed from cached boundary activations.</summary>
/// <param name="Hashes">Content hash of each image (the feature store's key).</param>
/// <param name="Values">Row-major [Hashes.Length, Dimension] float32.</param>
/// <param name="Dimension">Features per image.</param>
public sealed record BoundaryFeatures(IReadOnlyList<ContentHash> Hashes, float[] Values, int Dimension);

using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
namespace Graft.FineTuner.Heads;

/// <summary>
/// A trained classification head the fine-tuner continues from: pooled backbone features [N, D] → optional fixed
/// normalisation → dense layers → logits [N, C]. Covers the seed's MLP head (Dense(512, ReLU) → Dropout(0.5) →
/// Dense(C)) and a linear head (one dense layer, with the feature normaliser). A head trainer exposes its weights
/// through this interface; <see cref="DenseHead"/> is the fine-tuner's own implementation and file format.
/// </summary>
public interface IHeadWeights
{
    /// <summary>Feature width D the head reads.</summary>
    int InputDimension { get; }

    /// <summary>Class names; logit i is ClassNames[i]. Always from the data.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Optional fixed per-feature normalisation, null when none.</summary>
    FeatureAffine? Normalization { get; }

    /// <summary>Dense layers from input to logits; the last has <see cref="ClassNames"/>.Count outputs.</summary>
    IReadOnlyList<DenseLayerWeights> Layers { get; }
}

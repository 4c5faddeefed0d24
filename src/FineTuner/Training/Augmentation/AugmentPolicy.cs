using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;
namespace Graft.FineTuner.Training.Augmentation;

/// <summary>Named training-time augmentation policies (<c>--augment</c>); <see cref="ImageAugmentation.For"/> gives
/// each one's parameters. Validation and test images are never augmented.</summary>
public enum AugmentPolicy
{
    /// <summary>No augmentation: every epoch sees the same tensors (the seed's fine-tuning).</summary>
    None,
    /// <summary>Random resized crop over 80–100 % of the image, horizontal flip.</summary>
    Light,
    /// <summary>Random resized crop over 60–100 % of the image, horizontal flip (the default: the recipe that paid off
    /// in the fine-tuning measurements of docs/benchmarks.md).</summary>
    Standard,
    /// <summary>Random resized crop over 35–100 %, horizontal flip and ±20 % brightness, contrast and saturation.</summary>
    Strong,
}

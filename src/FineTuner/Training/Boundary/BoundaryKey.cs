using System.Security.Cryptography;
using System.Text;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Boundary;

/// <summary>
/// What determines the activations at a freeze boundary, keyed like the feature cache: the model file's hash, the
/// input, the boundary values (graph value names), the resolved preprocessing, the decoder version and the stored
/// element type (float32, or float16 for half the disk — NASNetLarge's boundary is 7.7 MB per image in float32). The image's
/// content hash completes the key per image. A different model, cut point, crop or mean lands in another folder, and so
/// does each augmented view of the training images (<see cref="View"/>: the augmentation, its seed and the view index).
/// </summary>
public sealed record BoundaryKey(string ModelSha256, string InputName, IReadOnlyList<string> Values, string Preprocess, string Decoder,
    FeatureDType DType = FeatureDType.Float32, string? View = null)
{
    /// <summary>16 hex digits of SHA-256 over <see cref="CanonicalText"/>: the cache folder's name.</summary>
    public string Id => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText())))[..16];

    public string CanonicalText() => string.Join('\n',
        "kind=freeze-boundary-1", $"model={ModelSha256}", $"input={InputName}", $"values={string.Join(',', Values)}",
        $"preprocess={Preprocess}", $"decoder={Decoder}", $"dtype={DType.ToName()}")
        + (View is null ? "" : $"\nview={View}");
}

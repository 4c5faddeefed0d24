namespace Graft.FeatureCache.Store;

/// <summary>Element type features are stored in. Reads always return float32.</summary>
public enum FeatureDType : byte
{
    /// <summary>4 bytes per value; exact.</summary>
    Float32 = 0,
    /// <summary>2 bytes per value, half the disk; relative error ≤ 2⁻¹¹ (pooled CNN features are well inside its range).</summary>
    Float16 = 1,
}

public static class FeatureDTypeExtensions
{
    public static int ByteSize(this FeatureDType t) => t == FeatureDType.Float16 ? 2 : 4;

    public static string ToName(this FeatureDType t) => t == FeatureDType.Float16 ? "float16" : "float32";

    /// <summary>Parses "float32"/"fp32"/"f32" or "float16"/"fp16"/"half".</summary>
    public static FeatureDType Parse(string? text) => (text ?? "float32").Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" or "single" => FeatureDType.Float32,
        "float16" or "fp16" or "f16" or "half" => FeatureDType.Float16,
        _ => throw new GraftException($"Unknown dtype '{text}'.", "Use float32 or float16."),
    };
}

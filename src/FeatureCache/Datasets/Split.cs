namespace Graft.FeatureCache.Datasets;

/// <summary>The three splits of the Keras/TFDS workflow. Training reads Train, model selection Validation; Test is only evaluated.</summary>
public enum Split
{
    Train = 0,
    Validation = 1,
    Test = 2,
}

/// <summary>Canonical split names as they appear on disk, in manifests and on the command line.</summary>
public static class SplitNames
{
    /// <summary>"train", "validation" or "test".</summary>
    public static string ToName(this Split split) => split switch
    {
        Split.Train => "train",
        Split.Validation => "validation",
        Split.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split)),
    };

    /// <summary>Parses a split name; accepts the common aliases "val", "valid", "dev" and "eval" for validation.</summary>
    public static bool TryParse(string? name, out Split split)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "train" or "training":
                split = Split.Train; return true;
            case "validation" or "val" or "valid" or "dev":
                split = Split.Validation; return true;
            case "test" or "testing" or "eval":
                split = Split.Test; return true;
            default:
                split = default; return false;
        }
    }

    /// <summary>Parses a split name or throws a <see cref="GraftException"/> naming the accepted values.</summary>
    public static Split Parse(string name) => TryParse(name, out var s)
        ? s
        : throw new GraftException($"Unknown split '{name}'.", "Use train, validation (or val) or test.");
}

namespace Graft.HeadTrainer;

/// <summary>Names of <see cref="HeadKind"/> on the command line and in run folders.</summary>
public static class HeadKinds
{
    /// <summary>"linear", "mlp" or "lightgbm".</summary>
    public static string ToName(this HeadKind kind) => kind switch
    {
        HeadKind.Linear => "linear",
        HeadKind.Mlp => "mlp",
        HeadKind.LightGbm => "lightgbm",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Parses a head name; throws <see cref="GraftException"/> listing the choices.</summary>
    public static HeadKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "linear" or "logistic" => HeadKind.Linear,
        "mlp" or "dense" => HeadKind.Mlp,
        "lightgbm" or "lgbm" or "gbm" => HeadKind.LightGbm,
        _ => throw new GraftException($"Unknown head '{name}'.", "Use linear, mlp or lightgbm."),
    };
}

namespace Graft.FeatureCache.Onnx.Float16;

/// <summary>Options of <see cref="Float16Converter"/>: which operators stay in float32.</summary>
public sealed record Float16Options
{
    /// <summary>
    /// Operators always kept in float32 — the block list of onnxconverter-common's float16 converter
    /// (<c>DEFAULT_OP_BLOCK_LIST</c> in <c>onnxconverter_common/float16.py</c>, which ONNX Runtime's float16 guide
    /// points to), reduced to the ONNX-domain operators an image backbone can hold. Why each stays float32:
    /// <list type="bullet">
    /// <item>Resize, Upsample: their <c>scales</c>/<c>roi</c> inputs must be float32 whatever the data type, and the
    /// CUDA EP's half kernels for them are incomplete in older releases.</item>
    /// <item>Range, CumSum: index and running-sum arithmetic; a half accumulator loses integers above 2048.</item>
    /// <item>Min, Max: used as clamps with float32 bounds in exported graphs (mixed types would be invalid).</item>
    /// <item>TopK, NonMaxSuppression, RoiAlign, RandomUniformLike: index-producing or sampling ops the converter's
    /// authors found wrong or missing in half.</item>
    /// </list>
    /// Operators of other domains (ai.onnx.ml, com.microsoft) are always kept too: their half support is per kernel.
    /// Softmax, LayerNormalization and reductions are not on the list: ONNX Runtime's CUDA kernels accumulate them in
    /// float32 internally; add them with <see cref="KeepFloat32"/> (<c>--keep-fp32 Softmax,LayerNormalization</c>) when a
    /// model's features drift.
    /// </summary>
    public static IReadOnlyList<string> DefaultBlockList { get; } =
        ["Resize", "Upsample", "Range", "CumSum", "Min", "Max", "TopK", "NonMaxSuppression", "RoiAlign", "RandomUniformLike"];

    /// <summary>Further operator types to keep in float32 (case-sensitive ONNX names, e.g. "Softmax").</summary>
    public IReadOnlyList<string> KeepFloat32 { get; init; } = [];

    /// <summary>Fold BatchNormalization into the Conv before it, in float64 arithmetic, before anything is rounded to
    /// half: one rounding of the folded weight instead of half-precision <c>(x − mean) / sqrt(var + ε)</c>, whose ε
    /// (1e-5, 1e-3) sits at the edge of half's normal range. A BatchNormalization that cannot be folded is converted
    /// like any other node. Default true.</summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>Every operator kept in float32: <see cref="DefaultBlockList"/> plus <see cref="KeepFloat32"/>.</summary>
    public IReadOnlySet<string> BlockedOperators => DefaultBlockList.Concat(KeepFloat32).ToHashSet(StringComparer.Ordinal);
}

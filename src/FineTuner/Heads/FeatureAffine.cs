namespace Graft.FineTuner.Heads;

/// <summary>Per-feature affine map a head applies to pooled features before its first layer:
/// x' = (x − Shift) · Scale (ML.NET's mean-variance or min-max normaliser in front of a linear head). Fixed during
/// fine-tuning.</summary>
/// <param name="Shift">D values.</param>
/// <param name="Scale">D values.</param>
public sealed record FeatureAffine(float[] Shift, float[] Scale);

namespace Graft.FeatureCache.Onnx;

/// <summary>
/// How closely two sets of feature vectors (the same images, D values each) agree: the largest |Δ|, absolute and
/// relative to the reference's largest magnitude; the cosine similarity per image (lowest and mean); and the mean over
/// images of ‖a − b‖ / ‖a‖. The one measure for a derived backbone against its float32 original (int8, float16) and for
/// CUDA features against CPU ones.
/// </summary>
public sealed record FeatureAgreement(double MaxAbsDelta, double MaxRelativeDelta, double MinCosine, double MeanCosine, double RelativeL2)
{
    /// <summary>Compares <paramref name="actual"/> with <paramref name="reference"/>, image by image.</summary>
    public static FeatureAgreement Compare(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual, int dimension)
    {
        if (reference.Length != actual.Length || reference.Length % dimension != 0 || reference.Length == 0)
            throw new ArgumentException("Feature arrays differ in length or are not whole vectors.");
        double maxAbs = 0, maxRef = 0, minCos = 1, sumCos = 0, sumL2 = 0;
        var images = reference.Length / dimension;
        for (var i = 0; i < images; i++)
        {
            double dot = 0, na = 0, nb = 0, nd = 0;
            for (var k = i * dimension; k < (i + 1) * dimension; k++)
            {
                double a = reference[k], b = actual[k];
                maxAbs = Math.Max(maxAbs, Math.Abs(a - b));
                maxRef = Math.Max(maxRef, Math.Abs(a));
                dot += a * b;
                na += a * a;
                nb += b * b;
                nd += (a - b) * (a - b);
            }
            // Two all-zero vectors agree exactly; one zero against a non-zero does not.
            var cos = na == 0 && nb == 0 ? 1 : na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
            minCos = Math.Min(minCos, cos);
            sumCos += cos;
            sumL2 += na == 0 ? 0 : Math.Sqrt(nd / na);
        }
        return new FeatureAgreement(maxAbs, maxRef > 0 ? maxAbs / maxRef : maxAbs, minCos, sumCos / images, sumL2 / images);
    }

    /// <summary>Whether the agreement is within a relative |Δ| and a lowest cosine.</summary>
    public bool Within(double maxRelativeDelta, double minCosine) => MaxRelativeDelta <= maxRelativeDelta && MinCosine >= minCosine;
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Graft.HeadTrainer.Heads.Mlp;

/// <summary>
/// The constants of one Adam step t (1-based), as Keras computes them (keras/src/optimizers/adam.py, no AMSGrad, no
/// weight decay): α_t = lr · √(1 − β2^t) / (1 − β1^t); ε is added to √v (Keras's default ε = 1e-7, not PyTorch's 1e-8).
/// </summary>
internal readonly record struct AdamStep(float Alpha, float OneMinusBeta1, float OneMinusBeta2, float Epsilon)
{
    /// <summary>
    /// Gradients smaller than this count as zero, and moments that decay below <see cref="MomentFloor"/> are set to
    /// zero. Why: x86 arithmetic on subnormal floats is ~100× slower, and without this a converging run produced them
    /// everywhere — m of a weight whose gradient stopped (a dead ReLU unit) decays by 0.9 per step into the subnormal
    /// range within a few hundred steps, and g² of a gradient below 1e-19 is subnormal — so epochs took 3–4× longer
    /// once the head had converged. .NET cannot set the CPU's flush-to-zero mode, so it is done here. The effect on
    /// the weights is below 1e-12 per step.
    /// </summary>
    public const float GradientFloor = 1e-19f;

    /// <inheritdoc cref="GradientFloor"/>
    public const float MomentFloor = 1e-30f;

    public const float DefaultBeta1 = 0.9f;
    public const float DefaultBeta2 = 0.999f;
    public const float DefaultEpsilon = 1e-7f;

    /// <summary>The constants of step <paramref name="t"/> (1-based) at learning rate <paramref name="learningRate"/>.</summary>
    public static AdamStep At(long t, double learningRate, double beta1 = DefaultBeta1, double beta2 = DefaultBeta2, double epsilon = DefaultEpsilon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(t, 1);
        var alpha = learningRate * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t));
        return new AdamStep((float)alpha, (float)(1 - beta1), (float)(1 - beta2), (float)epsilon);
    }

    /// <summary>
    /// One Adam update of 16 parameters. With AVX-512, √v and the division use the hardware's 14-bit reciprocal
    /// (square-root) estimates refined by one Newton step (relative error about 2⁻²³, float precision): the exact
    /// vsqrtps + vdivps pair costs more cycles than the 64 multiply-adds of the gradient per vector, and made Adam the
    /// larger half of an MLP step. Without AVX-512 the exact operations are used; results are reproducible on one kind
    /// of machine, not bit-identical across instruction sets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Update(Vector512<float> g, ref Vector512<float> w, ref Vector512<float> m, ref Vector512<float> v)
    {
        g = FlushTiny(g, GradientFloor);
        m = FlushTiny(Vector512.FusedMultiplyAdd(g - m, Vector512.Create(OneMinusBeta1), m), MomentFloor);
        v = FlushTiny(Vector512.FusedMultiplyAdd(g * g - v, Vector512.Create(OneMinusBeta2), v), MomentFloor);
        Vector512<float> inverse;
        if (Avx512F.IsSupported)
        {
            // √v = v · rsqrt(v); the tiny offset keeps rsqrt(0) finite so that √0 comes out 0, not NaN.
            var vt = v + Vector512.Create(1e-30f);
            var r = Avx512F.ReciprocalSqrt14(vt);
            r *= Vector512.Create(1.5f) - Vector512.Create(0.5f) * vt * r * r;
            var denominator = v * r + Vector512.Create(Epsilon);
            inverse = Avx512F.Reciprocal14(denominator);
            inverse *= Vector512.Create(2f) - denominator * inverse;
        }
        else
        {
            inverse = Vector512<float>.One / (Vector512.Sqrt(v) + Vector512.Create(Epsilon));
        }
        w -= Vector512.Create(Alpha) * m * inverse;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FlushTiny(Vector512<float> x, float floor) =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(x), Vector512.Create(floor)), x, Vector512<float>.Zero);

    /// <summary>Updates <paramref name="w"/> and its moments in place from gradient <paramref name="g"/> (all the same
    /// length), 16 at a time with <see cref="Update"/> (the fused kernel's arithmetic), the tail exactly.</summary>
    public void Apply(Span<float> w, Span<float> m, Span<float> v, ReadOnlySpan<float> g)
    {
        if (m.Length != w.Length || v.Length != w.Length || g.Length != w.Length)
            throw new ArgumentException("Parameter, moments and gradient differ in length.");
        var i = 0;
        for (; i + 16 <= w.Length; i += 16)
        {
            var mv = Vector512.Create((ReadOnlySpan<float>)m.Slice(i, 16));
            var vv = Vector512.Create((ReadOnlySpan<float>)v.Slice(i, 16));
            var wv = Vector512.Create((ReadOnlySpan<float>)w.Slice(i, 16));
            Update(Vector512.Create(g.Slice(i, 16)), ref wv, ref mv, ref vv);
            mv.CopyTo(m.Slice(i, 16));
            vv.CopyTo(v.Slice(i, 16));
            wv.CopyTo(w.Slice(i, 16));
        }
        for (; i < w.Length; i++)
        {
            var gi = Math.Abs(g[i]) >= GradientFloor ? g[i] : 0f;
            m[i] = MathF.FusedMultiplyAdd(gi - m[i], OneMinusBeta1, m[i]);
            v[i] = MathF.FusedMultiplyAdd(gi * gi - v[i], OneMinusBeta2, v[i]);
            if (Math.Abs(m[i]) < MomentFloor) m[i] = 0f;
            if (v[i] < MomentFloor) v[i] = 0f;
            w[i] -= Alpha * m[i] / (MathF.Sqrt(v[i]) + Epsilon);
        }
    }
}

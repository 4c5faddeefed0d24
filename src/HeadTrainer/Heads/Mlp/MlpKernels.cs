using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Graft.HeadTrainer.Heads.Mlp;

/// <summary>
/// The two hot loops of MLP training, written for AVX-512 (<see cref="Vector512{T}"/>; other CPUs run the same code
/// through .NET's software fallback, slower but identical in result order).
/// Both work on one <see cref="ChunkWidth"/>-column chunk of the hidden layer, so threads own disjoint chunks and the
/// arithmetic order of every output value is fixed: results do not depend on the thread count.
/// <list type="bullet">
/// <item><see cref="Forward"/>: Z[r, chunk] = b1[chunk] + Σ_d X[r, d] · W1[d, chunk] — 6 rows × 4 vectors of
/// accumulators (24 of the 32 zmm registers) over a 128-deep slice of d, so the W1 panel stays in L1.</item>
/// <item><see cref="GradientAdam"/>: G[d, chunk] = Σ_r X[r, d] · dZ[r, chunk], kept in registers and applied at once
/// with Adam to W1, m and v: the gradient of the big first layer is never written to memory, which halves the memory
/// traffic of the step (TorchSharp's separate backward + Adam step spent more time in Adam than in the matrix
/// products; see the MLP notes in <see cref="MlpTrainingLoop"/>).</item>
/// </list>
/// All pointers point at the chunk's first column; leading dimensions are in floats.
/// </summary>
internal static unsafe class MlpKernels
{
    /// <summary>Columns per chunk: four 16-float vectors. The hidden width is padded to a multiple of it.</summary>
    public const int ChunkWidth = 64;

    /// <summary>Depth of the d-slice in <see cref="Forward"/>: 128 × 64 floats = 32 KiB of W1, within L1.</summary>
    private const int DepthSlice = 128;

    /// <summary>Z[r, 0..64) = bias + Σ_d x[r·ldx + d] · w[d·ldw + 0..64) for r in [0, rows).</summary>
    public static void Forward(float* x, int ldx, int rows, int depth, float* w, int ldw, float* bias, float* z, int ldz)
    {
        var b0 = Vector512.Load(bias);
        var b1 = Vector512.Load(bias + 16);
        var b2 = Vector512.Load(bias + 32);
        var b3 = Vector512.Load(bias + 48);
        for (var r = 0; r < rows; r++)
        {
            var zr = z + (long)r * ldz;
            b0.Store(zr); b1.Store(zr + 16); b2.Store(zr + 32); b3.Store(zr + 48);
        }
        for (var k0 = 0; k0 < depth; k0 += DepthSlice)
        {
            var k1 = Math.Min(depth, k0 + DepthSlice);
            var r = 0;
            for (; r + 6 <= rows; r += 6) Forward6(x + (long)r * ldx, ldx, w, ldw, z + (long)r * ldz, ldz, k0, k1);
            for (; r < rows; r++) Forward1(x + (long)r * ldx, w, ldw, z + (long)r * ldz, k0, k1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward6(float* x, int ldx, float* w, int ldw, float* z, int ldz, int k0, int k1)
    {
        float* z0 = z, z1 = z + ldz, z2 = z + 2L * ldz, z3 = z + 3L * ldz, z4 = z + 4L * ldz, z5 = z + 5L * ldz;
        float* x0 = x, x1 = x + ldx, x2 = x + 2L * ldx, x3 = x + 3L * ldx, x4 = x + 4L * ldx, x5 = x + 5L * ldx;
        Vector512<float> c00 = Vector512.Load(z0), c01 = Vector512.Load(z0 + 16), c02 = Vector512.Load(z0 + 32), c03 = Vector512.Load(z0 + 48);
        Vector512<float> c10 = Vector512.Load(z1), c11 = Vector512.Load(z1 + 16), c12 = Vector512.Load(z1 + 32), c13 = Vector512.Load(z1 + 48);
        Vector512<float> c20 = Vector512.Load(z2), c21 = Vector512.Load(z2 + 16), c22 = Vector512.Load(z2 + 32), c23 = Vector512.Load(z2 + 48);
        Vector512<float> c30 = Vector512.Load(z3), c31 = Vector512.Load(z3 + 16), c32 = Vector512.Load(z3 + 32), c33 = Vector512.Load(z3 + 48);
        Vector512<float> c40 = Vector512.Load(z4), c41 = Vector512.Load(z4 + 16), c42 = Vector512.Load(z4 + 32), c43 = Vector512.Load(z4 + 48);
        Vector512<float> c50 = Vector512.Load(z5), c51 = Vector512.Load(z5 + 16), c52 = Vector512.Load(z5 + 32), c53 = Vector512.Load(z5 + 48);
        for (var k = k0; k < k1; k++)
        {
            var wk = w + (long)k * ldw;
            var w0 = Vector512.Load(wk);
            var w1 = Vector512.Load(wk + 16);
            var w2 = Vector512.Load(wk + 32);
            var w3 = Vector512.Load(wk + 48);
            var a = Vector512.Create(x0[k]);
            c00 = Vector512.FusedMultiplyAdd(a, w0, c00); c01 = Vector512.FusedMultiplyAdd(a, w1, c01);
            c02 = Vector512.FusedMultiplyAdd(a, w2, c02); c03 = Vector512.FusedMultiplyAdd(a, w3, c03);
            a = Vector512.Create(x1[k]);
            c10 = Vector512.FusedMultiplyAdd(a, w0, c10); c11 = Vector512.FusedMultiplyAdd(a, w1, c11);
            c12 = Vector512.FusedMultiplyAdd(a, w2, c12); c13 = Vector512.FusedMultiplyAdd(a, w3, c13);
            a = Vector512.Create(x2[k]);
            c20 = Vector512.FusedMultiplyAdd(a, w0, c20); c21 = Vector512.FusedMultiplyAdd(a, w1, c21);
            c22 = Vector512.FusedMultiplyAdd(a, w2, c22); c23 = Vector512.FusedMultiplyAdd(a, w3, c23);
            a = Vector512.Create(x3[k]);
            c30 = Vector512.FusedMultiplyAdd(a, w0, c30); c31 = Vector512.FusedMultiplyAdd(a, w1, c31);
            c32 = Vector512.FusedMultiplyAdd(a, w2, c32); c33 = Vector512.FusedMultiplyAdd(a, w3, c33);
            a = Vector512.Create(x4[k]);
            c40 = Vector512.FusedMultiplyAdd(a, w0, c40); c41 = Vector512.FusedMultiplyAdd(a, w1, c41);
            c42 = Vector512.FusedMultiplyAdd(a, w2, c42); c43 = Vector512.FusedMultiplyAdd(a, w3, c43);
            a = Vector512.Create(x5[k]);
            c50 = Vector512.FusedMultiplyAdd(a, w0, c50); c51 = Vector512.FusedMultiplyAdd(a, w1, c51);
            c52 = Vector512.FusedMultiplyAdd(a, w2, c52); c53 = Vector512.FusedMultiplyAdd(a, w3, c53);
        }
        c00.Store(z0); c01.Store(z0 + 16); c02.Store(z0 + 32); c03.Store(z0 + 48);
        c10.Store(z1); c11.Store(z1 + 16); c12.Store(z1 + 32); c13.Store(z1 + 48);
        c20.Store(z2); c21.Store(z2 + 16); c22.Store(z2 + 32); c23.Store(z2 + 48);
        c30.Store(z3); c31.Store(z3 + 16); c32.Store(z3 + 32); c33.Store(z3 + 48);
        c40.Store(z4); c41.Store(z4 + 16); c42.Store(z4 + 32); c43.Store(z4 + 48);
        c50.Store(z5); c51.Store(z5 + 16); c52.Store(z5 + 32); c53.Store(z5 + 48);
    }

    private static void Forward1(float* x, float* w, int ldw, float* z, int k0, int k1)
    {
        Vector512<float> c0 = Vector512.Load(z), c1 = Vector512.Load(z + 16), c2 = Vector512.Load(z + 32), c3 = Vector512.Load(z + 48);
        for (var k = k0; k < k1; k++)
        {
            var wk = w + (long)k * ldw;
            var a = Vector512.Create(x[k]);
            c0 = Vector512.FusedMultiplyAdd(a, Vector512.Load(wk), c0);
            c1 = Vector512.FusedMultiplyAdd(a, Vector512.Load(wk + 16), c1);
            c2 = Vector512.FusedMultiplyAdd(a, Vector512.Load(wk + 32), c2);
            c3 = Vector512.FusedMultiplyAdd(a, Vector512.Load(wk + 48), c3);
        }
        c0.Store(z); c1.Store(z + 16); c2.Store(z + 32); c3.Store(z + 48);
    }

    /// <summary>
    /// For every input row d in [0, depth): g = Σ_r x[r·ldx + d] · dz[r·ldz + 0..64), then one Adam step on
    /// w[d·ldw + 0..64) with moments m and v (same layout as w).
    /// </summary>
    public static void GradientAdam(float* x, int rowStride, int colStride, int rows, int depth, float* dz, int ldz,
        float* w, float* m, float* v, int ldw, in AdamStep step)
    {
        var d = 0;
        for (; d + 6 <= depth; d += 6)
            GradientAdam6(x + (long)d * colStride, rowStride, colStride, rows, dz, ldz, w + (long)d * ldw, m + (long)d * ldw, v + (long)d * ldw, ldw, step);
        for (; d < depth; d++)
            GradientAdam1(x + (long)d * colStride, rowStride, rows, dz, ldz, w + (long)d * ldw, m + (long)d * ldw, v + (long)d * ldw, step);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientAdam6(float* x, int rowStride, int colStride, int rows, float* dz, int ldz, float* w, float* m, float* v, int ldw, in AdamStep step)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default, c53 = default;
        float* x0 = x, x1 = x + colStride, x2 = x + 2L * colStride, x3 = x + 3L * colStride, x4 = x + 4L * colStride, x5 = x + 5L * colStride;
        for (var r = 0; r < rows; r++)
        {
            var gr = dz + (long)r * ldz;
            var xi = (long)r * rowStride;
            var g0 = Vector512.Load(gr);
            var g1 = Vector512.Load(gr + 16);
            var g2 = Vector512.Load(gr + 32);
            var g3 = Vector512.Load(gr + 48);
            var a = Vector512.Create(x0[xi]);
            c00 = Vector512.FusedMultiplyAdd(a, g0, c00); c01 = Vector512.FusedMultiplyAdd(a, g1, c01);
            c02 = Vector512.FusedMultiplyAdd(a, g2, c02); c03 = Vector512.FusedMultiplyAdd(a, g3, c03);
            a = Vector512.Create(x1[xi]);
            c10 = Vector512.FusedMultiplyAdd(a, g0, c10); c11 = Vector512.FusedMultiplyAdd(a, g1, c11);
            c12 = Vector512.FusedMultiplyAdd(a, g2, c12); c13 = Vector512.FusedMultiplyAdd(a, g3, c13);
            a = Vector512.Create(x2[xi]);
            c20 = Vector512.FusedMultiplyAdd(a, g0, c20); c21 = Vector512.FusedMultiplyAdd(a, g1, c21);
            c22 = Vector512.FusedMultiplyAdd(a, g2, c22); c23 = Vector512.FusedMultiplyAdd(a, g3, c23);
            a = Vector512.Create(x3[xi]);
            c30 = Vector512.FusedMultiplyAdd(a, g0, c30); c31 = Vector512.FusedMultiplyAdd(a, g1, c31);
            c32 = Vector512.FusedMultiplyAdd(a, g2, c32); c33 = Vector512.FusedMultiplyAdd(a, g3, c33);
            a = Vector512.Create(x4[xi]);
            c40 = Vector512.FusedMultiplyAdd(a, g0, c40); c41 = Vector512.FusedMultiplyAdd(a, g1, c41);
            c42 = Vector512.FusedMultiplyAdd(a, g2, c42); c43 = Vector512.FusedMultiplyAdd(a, g3, c43);
            a = Vector512.Create(x5[xi]);
            c50 = Vector512.FusedMultiplyAdd(a, g0, c50); c51 = Vector512.FusedMultiplyAdd(a, g1, c51);
            c52 = Vector512.FusedMultiplyAdd(a, g2, c52); c53 = Vector512.FusedMultiplyAdd(a, g3, c53);
        }
        Adam4(c00, c01, c02, c03, w, m, v, step);
        Adam4(c10, c11, c12, c13, w + ldw, m + ldw, v + ldw, step);
        Adam4(c20, c21, c22, c23, w + 2L * ldw, m + 2L * ldw, v + 2L * ldw, step);
        Adam4(c30, c31, c32, c33, w + 3L * ldw, m + 3L * ldw, v + 3L * ldw, step);
        Adam4(c40, c41, c42, c43, w + 4L * ldw, m + 4L * ldw, v + 4L * ldw, step);
        Adam4(c50, c51, c52, c53, w + 5L * ldw, m + 5L * ldw, v + 5L * ldw, step);
    }

    private static void GradientAdam1(float* x, int rowStride, int rows, float* dz, int ldz, float* w, float* m, float* v, in AdamStep step)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (var r = 0; r < rows; r++)
        {
            var gr = dz + (long)r * ldz;
            var a = Vector512.Create(x[(long)r * rowStride]);
            c0 = Vector512.FusedMultiplyAdd(a, Vector512.Load(gr), c0);
            c1 = Vector512.FusedMultiplyAdd(a, Vector512.Load(gr + 16), c1);
            c2 = Vector512.FusedMultiplyAdd(a, Vector512.Load(gr + 32), c2);
            c3 = Vector512.FusedMultiplyAdd(a, Vector512.Load(gr + 48), c3);
        }
        Adam4(c0, c1, c2, c3, w, m, v, step);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Adam4(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3,
        float* w, float* m, float* v, in AdamStep step)
    {
        Adam1(g0, w, m, v, step);
        Adam1(g1, w + 16, m + 16, v + 16, step);
        Adam1(g2, w + 32, m + 32, v + 32, step);
        Adam1(g3, w + 48, m + 48, v + 48, step);
    }

    /// <summary>Keras's Adam update (keras/src/optimizers/adam.py): m += (g − m)(1 − β1); v += (g² − v)(1 − β2);
    /// w −= α_t · m / (√v + ε) with α_t = lr · √(1 − β2^t) / (1 − β1^t). See <see cref="AdamStep.Update"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Adam1(Vector512<float> g, float* w, float* m, float* v, in AdamStep step)
    {
        var mv = Vector512.Load(m);
        var vv = Vector512.Load(v);
        var wv = Vector512.Load(w);
        step.Update(g, ref wv, ref mv, ref vv);
        mv.Store(m);
        vv.Store(v);
        wv.Store(w);
    }
}

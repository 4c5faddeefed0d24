using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Heads.Mlp;

/// <summary>
/// The parameters of the seed's head Dense(H, ReLU) → Dropout → Dense(C, softmax), laid out for the kernels:
/// <list type="bullet">
/// <item><see cref="W1"/>: D × Hp row-major (row d = the weights from input d, as Keras's kernel [D, H]), Hp = H
/// rounded up to <see cref="MlpKernels.ChunkWidth"/>; the padding columns are zero and stay zero (their gradients are
/// exactly zero), so they change no result.</item>
/// <item><see cref="B1"/>: Hp. <see cref="W2"/>: C × Hp, i.e. Keras's second kernel [H, C] transposed.
/// <see cref="B2"/>: C.</item>
/// </list>
/// </summary>
internal sealed class MlpWeights
{
    public MlpWeights(int inputDim, int hidden, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        InputDim = inputDim;
        Hidden = hidden;
        Classes = classes;
        PaddedHidden = (hidden + MlpKernels.ChunkWidth - 1) / MlpKernels.ChunkWidth * MlpKernels.ChunkWidth;
        W1 = new float[(long)inputDim * PaddedHidden];
        B1 = new float[PaddedHidden];
        W2 = new float[(long)classes * PaddedHidden];
        B2 = new float[classes];
    }

    public int InputDim { get; }
    public int Hidden { get; }
    public int PaddedHidden { get; }
    public int Classes { get; }
    public float[] W1 { get; }
    public float[] B1 { get; }
    public float[] W2 { get; }
    public float[] B2 { get; }

    /// <summary>Trainable parameters as Keras counts them: D·H + H + H·C + C (padding not counted).</summary>
    public long ParameterCount => (long)InputDim * Hidden + Hidden + (long)Hidden * Classes + Classes;

    /// <summary>Keras's defaults for Dense: Glorot-uniform kernels (limit √(6 / (fan_in + fan_out))), zero biases.</summary>
    public static MlpWeights GlorotUniform(int inputDim, int hidden, int classes, SeededRandom random)
    {
        var w = new MlpWeights(inputDim, hidden, classes);
        var limit1 = (float)Math.Sqrt(6.0 / (inputDim + hidden));
        for (var d = 0; d < inputDim; d++)
            for (var h = 0; h < hidden; h++)
                w.W1[(long)d * w.PaddedHidden + h] = (2 * random.NextSingle() - 1) * limit1;
        var limit2 = (float)Math.Sqrt(6.0 / (hidden + classes));
        // Drawn in Keras's kernel order [h, c] so the stream does not depend on the padded layout.
        for (var h = 0; h < hidden; h++)
            for (var c = 0; c < classes; c++)
                w.W2[(long)c * w.PaddedHidden + h] = (2 * random.NextSingle() - 1) * limit2;
        return w;
    }

    public MlpWeights Clone()
    {
        var copy = new MlpWeights(InputDim, Hidden, Classes);
        copy.CopyFrom(this);
        return copy;
    }

    public void CopyFrom(MlpWeights other)
    {
        if (other.InputDim != InputDim || other.Hidden != Hidden || other.Classes != Classes)
            throw new ArgumentException("Weights of a different shape.");
        other.W1.CopyTo(W1, 0);
        other.B1.CopyTo(B1, 0);
        other.W2.CopyTo(W2, 0);
        other.B2.CopyTo(B2, 0);
    }

    /// <summary>Keras's first kernel [D, H] row-major, without padding.</summary>
    public float[] Kernel1()
    {
        var k = new float[(long)InputDim * Hidden];
        for (var d = 0; d < InputDim; d++) W1.AsSpan((int)((long)d * PaddedHidden), Hidden).CopyTo(k.AsSpan((int)((long)d * Hidden)));
        return k;
    }

    /// <summary>Keras's second kernel [H, C] row-major.</summary>
    public float[] Kernel2()
    {
        var k = new float[(long)Hidden * Classes];
        for (var c = 0; c < Classes; c++)
            for (var h = 0; h < Hidden; h++)
                k[(long)h * Classes + c] = W2[(long)c * PaddedHidden + h];
        return k;
    }
}

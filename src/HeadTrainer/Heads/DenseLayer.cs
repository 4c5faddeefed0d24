namespace Graft.HeadTrainer.Heads;

/// <summary>
/// One dense layer of a head: y = f(x · <see cref="Kernel"/> + <see cref="Bias"/>), f = ReLU when <see cref="Relu"/>,
/// identity otherwise. <see cref="Kernel"/> is [Inputs, Outputs] row-major (Keras's Dense kernel layout, and ONNX
/// Gemm's B without transposition); <see cref="Bias"/> has Outputs values.
/// </summary>
public sealed record DenseLayer
{
    public DenseLayer(int inputs, int outputs, float[] kernel, float[] bias, bool relu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (kernel.LongLength != (long)inputs * outputs) throw new ArgumentException($"Kernel has {kernel.LongLength} values, not {inputs}×{outputs}.");
        if (bias.Length != outputs) throw new ArgumentException($"Bias has {bias.Length} values, not {outputs}.");
        Inputs = inputs;
        Outputs = outputs;
        Kernel = kernel;
        Bias = bias;
        Relu = relu;
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public float[] Kernel { get; }
    public float[] Bias { get; }
    public bool Relu { get; }

    /// <summary>Weights plus biases.</summary>
    public long ParameterCount => (long)Inputs * Outputs + Outputs;
}

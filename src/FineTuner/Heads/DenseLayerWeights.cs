using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
namespace Graft.FineTuner.Heads;

/// <summary>
/// One fully connected layer of a head: y = act(W·dropout(x) + b).
/// </summary>
/// <param name="Inputs">Input width.</param>
/// <param name="Outputs">Output width (the class count for the last layer).</param>
/// <param name="Weight">Outputs × Inputs, row-major (torch Linear layout; Keras's kernel [in, out] transposed).</param>
/// <param name="Bias">Outputs values.</param>
/// <param name="Activation">Applied after the layer.</param>
/// <param name="DropoutBefore">Dropout rate applied to the layer's input while training (the seed's Dropout(0.5)
/// before the last Dense); 0 for none.</param>
public sealed record DenseLayerWeights(int Inputs, int Outputs, float[] Weight, float[] Bias, HeadActivation Activation, float DropoutBefore = 0f)
{
    /// <summary>Throws <see cref="GraftException"/> when the arrays do not match the widths.</summary>
    public void Validate(string owner)
    {
        if (Inputs < 1 || Outputs < 1 || Weight.Length != (long)Inputs * Outputs || Bias.Length != Outputs)
            throw new GraftException($"{owner}: a dense layer {Inputs}→{Outputs} has {Weight.Length} weights and {Bias.Length} biases.");
        if (DropoutBefore is < 0f or >= 1f) throw new GraftException($"{owner}: dropout rate {DropoutBefore} must be in [0, 1).");
    }
}

namespace Graft.HeadTrainer.Heads;

/// <summary>
/// A head written out as plain numbers: dense layers applied in order, then softmax over the last layer's C outputs.
/// The linear head is one layer (its feature normaliser folded in), the MLP two. This is what
/// <see cref="HeadOnnx"/> turns into an ONNX graph, and what <c>graft export --format onnx</c> appends to a backbone.
/// </summary>
public sealed class HeadWeights
{
    public HeadWeights(IReadOnlyList<DenseLayer> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("A head needs at least one layer.");
        for (var i = 1; i < layers.Count; i++)
            if (layers[i].Inputs != layers[i - 1].Outputs)
                throw new ArgumentException($"Layer {i} takes {layers[i].Inputs} inputs but layer {i - 1} gives {layers[i - 1].Outputs}.");
        if (layers[^1].Relu) throw new ArgumentException("The last layer feeds softmax and has no ReLU.");
        Layers = layers;
    }

    public IReadOnlyList<DenseLayer> Layers { get; }

    /// <summary>Feature width D the head takes.</summary>
    public int InputDimension => Layers[0].Inputs;

    /// <summary>Number of classes C.</summary>
    public int Classes => Layers[^1].Outputs;

    public long ParameterCount => Layers.Sum(l => l.ParameterCount);

    /// <summary>Class probabilities for <paramref name="rows"/> feature rows (row-major, D each), in plain C#:
    /// a reference for tests and small batches, [rows × C].</summary>
    public float[] Predict(ReadOnlySpan<float> features, int rows)
    {
        if (features.Length != rows * InputDimension) throw new ArgumentException("Features are not rows × D.");
        var current = features.ToArray();
        foreach (var layer in Layers)
        {
            var next = new float[rows * layer.Outputs];
            for (var r = 0; r < rows; r++)
            {
                var x = current.AsSpan(r * layer.Inputs, layer.Inputs);
                var y = next.AsSpan(r * layer.Outputs, layer.Outputs);
                for (var o = 0; o < layer.Outputs; o++)
                {
                    double s = layer.Bias[o];
                    for (var i = 0; i < layer.Inputs; i++) s += (double)x[i] * layer.Kernel[(long)i * layer.Outputs + o];
                    y[o] = layer.Relu && s < 0 ? 0f : (float)s;
                }
            }
            current = next;
        }
        for (var r = 0; r < rows; r++)
        {
            var y = current.AsSpan(r * Classes, Classes);
            var max = double.NegativeInfinity;
            foreach (var v in y) max = Math.Max(max, v);
            double sum = 0;
            for (var c = 0; c < Classes; c++) sum += Math.Exp(y[c] - max);
            for (var c = 0; c < Classes; c++) y[c] = (float)(Math.Exp(y[c] - max) / sum);
        }
        return current;
    }
}

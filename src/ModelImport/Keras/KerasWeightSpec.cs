namespace Graft.ModelImport.Keras;

/// <summary>
/// One weight variable of a Keras layer, in Keras's own order and layout (TensorFlow, channels last):
/// Conv2D <c>kernel</c> (kh, kw, in, out); SeparableConv2D <c>depthwise_kernel</c> (kh, kw, in, 1) and
/// <c>pointwise_kernel</c> (1, 1, in, out); BatchNormalization <c>gamma</c>, <c>beta</c>, <c>moving_mean</c>,
/// <c>moving_variance</c> (channels). In a Keras 2 HDF5 file it is the dataset <c>&lt;layer&gt;/&lt;layer&gt;/&lt;name&gt;:0</c>.
/// </summary>
public sealed record KerasWeightSpec(string Name, int[] Shape)
{
    /// <summary>Number of floats.</summary>
    public long Elements => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>"(3, 3, 3, 96)", as numpy prints shapes.</summary>
    public string ShapeText => Shape.Length == 1 ? $"({Shape[0]},)" : "(" + string.Join(", ", Shape) + ")";
}

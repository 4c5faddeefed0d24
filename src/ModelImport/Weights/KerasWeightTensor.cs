namespace Graft.ModelImport.Weights;

/// <summary>One weight read from a Keras weight file: its name as stored (<c>stem_conv1/kernel:0</c>), its shape and
/// its values in the file's (TensorFlow, row-major) order, converted to float32.</summary>
public sealed record KerasWeightTensor(string Name, int[] Shape, float[] Values)
{
    /// <summary>"(3, 3, 3, 96)", as numpy prints shapes.</summary>
    public string ShapeText => Shape.Length == 1 ? $"({Shape[0]},)" : "(" + string.Join(", ", Shape) + ")";
}

namespace Graft.ModelImport.Keras;

/// <summary>Keras's <c>padding</c> argument of convolutions and poolings.</summary>
public enum KerasPadding
{
    /// <summary>No padding; the output shrinks by kernel − 1 before striding.</summary>
    Valid,
    /// <summary>TensorFlow "same": output = ceil(input / stride), padding split with the extra pixel at the
    /// bottom/right (see <see cref="TfPadding"/>).</summary>
    Same,
}

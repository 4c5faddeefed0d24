namespace Graft.ModelImport.Keras;

/// <summary>The Keras layer classes a NASNet-A graph is made of; the name is Keras's class name.</summary>
public enum KerasLayerKind
{
    InputLayer,
    Conv2D,
    SeparableConv2D,
    BatchNormalization,
    /// <summary>Always ReLU here (<c>layers.Activation('relu')</c>).</summary>
    Activation,
    ZeroPadding2D,
    Cropping2D,
    AveragePooling2D,
    MaxPooling2D,
    Add,
    Concatenate,
}

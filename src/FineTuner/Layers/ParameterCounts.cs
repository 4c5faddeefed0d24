namespace Graft.FineTuner.Layers;

/// <summary>Parameter counts as Keras's <c>summary()</c> reports them, in values (not bytes).</summary>
/// <param name="Trainable">Weights, biases and BN scale/shift of trainable layers.</param>
/// <param name="Frozen">Weights, biases and BN scale/shift of frozen layers.</param>
/// <param name="Statistics">BatchNorm moving mean/variance of all layers: never trained by gradient, so Keras counts
/// them as non-trainable even in trainable layers (they still update in trainable layers).</param>
public sealed record ParameterCounts(long Trainable, long Frozen, long Statistics)
{
    /// <summary>Keras's "Non-trainable params".</summary>
    public long NonTrainable => Frozen + Statistics;

    public long Total => Trainable + Frozen + Statistics;
}

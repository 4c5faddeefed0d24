namespace Graft.HeadTrainer.Training;

/// <summary>
/// Keras's EarlyStopping on a loss to minimise (keras/src/callbacks/early_stopping.py, min_delta 0, no baseline):
/// after each epoch, a value strictly below the best so far is an improvement and resets the wait; otherwise the wait
/// grows, and training stops once it reaches <see cref="Patience"/>. So with patience p and the best value at epoch k,
/// training stops after epoch k + p — unless the epoch cap comes first. NaN never improves.
/// </summary>
public sealed class EarlyStopping
{
    public EarlyStopping(int patience)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        Patience = patience;
    }

    public int Patience { get; }

    /// <summary>1-based epoch of the best value; 0 before the first update.</summary>
    public int BestEpoch { get; private set; }

    public double BestValue { get; private set; } = double.PositiveInfinity;

    /// <summary>Epochs since the best.</summary>
    public int Wait { get; private set; }

    /// <summary>True once the wait has reached the patience.</summary>
    public bool ShouldStop { get; private set; }

    /// <summary>Records the monitored value of 1-based <paramref name="epoch"/>; returns true when it is the new best
    /// (the caller then keeps a copy of the weights).</summary>
    public bool Update(int epoch, double value)
    {
        // Keras keeps the first epoch's weights as "best" even when its value is NaN.
        var first = BestEpoch == 0;
        if (first) BestEpoch = epoch;
        Wait++;
        if (value < BestValue)
        {
            BestValue = value;
            BestEpoch = epoch;
            Wait = 0;
            return true;
        }
        if (Wait >= Patience && epoch > 1) ShouldStop = true;
        return first;
    }
}

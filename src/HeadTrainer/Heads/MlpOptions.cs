namespace Graft.HeadTrainer.Heads;

/// <summary>
/// Hyper-parameters of the <c>mlp</c> head. Defaults are the seed's Keras recipe: Dense(512, ReLU) → Dropout(0.5) →
/// Dense(C, softmax), Adam at 1e-3 (β1 0.9, β2 0.999, ε 1e-7), batch 64, sparse categorical cross-entropy,
/// EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True), at most 100 epochs.
/// </summary>
public sealed record MlpOptions
{
    /// <summary>Hidden units H.</summary>
    public int Hidden { get; init; } = 512;

    /// <summary>Fraction of hidden activations dropped while training, in [0, 1).</summary>
    public double Dropout { get; init; } = 0.5;

    /// <summary>Adam learning rate (constant; the seed uses no schedule).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Examples per Adam step; the last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Upper bound on epochs (the seed's fit(epochs=100)).</summary>
    public int MaxEpochs { get; init; } = 100;

    /// <summary>Stop when val_loss has not improved for <see cref="Patience"/> epochs.</summary>
    public bool EarlyStopping { get; init; } = true;

    /// <summary>Epochs without a val_loss improvement before stopping (Keras patience).</summary>
    public int Patience { get; init; } = 3;

    /// <summary>At the end, go back to the weights of the epoch with the lowest val_loss (only with early stopping).</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>Threads for the matrix products; 0 = all cores. Results do not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>Throws <see cref="GraftException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (Hidden is < 1 or > 65536) throw new GraftException($"--hidden {Hidden} must be 1..65536.");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw new GraftException($"--dropout {Dropout} must be in [0, 1).");
        if (LearningRate is <= 0 or > 10 || double.IsNaN(LearningRate)) throw new GraftException($"--lr {LearningRate} must be in (0, 10].");
        if (BatchSize is < 1 or > 65536) throw new GraftException($"--batch-size {BatchSize} must be 1..65536.");
        if (MaxEpochs is < 1 or > 100000) throw new GraftException($"--epochs {MaxEpochs} must be 1..100000.");
        if (Patience is < 0 or > 100000) throw new GraftException($"--patience {Patience} must be 0 or more.");
        if (Threads < 0) throw new GraftException($"Threads {Threads} must be 0 (all cores) or more.");
    }
}

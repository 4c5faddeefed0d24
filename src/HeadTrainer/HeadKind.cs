namespace Graft.HeadTrainer;

/// <summary>The heads Graft trains on cached features. All three are fitted and served through ML.NET.</summary>
public enum HeadKind
{
    /// <summary>Feature normalisation → multinomial logistic regression (LbfgsMaximumEntropy), L2 chosen on validation.</summary>
    Linear,
    /// <summary>The seed's Dense(H, ReLU) → Dropout → Dense(C, softmax), Adam, early stopping on val_loss.</summary>
    Mlp,
    /// <summary>Gradient-boosted trees (ML.NET LightGbm multiclass).</summary>
    LightGbm,
}

namespace Graft.FineTuner.Training;

/// <summary>The optimizer of a fine-tuning run.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (β1 0.9, β2 0.999, ε 1e-7 as Keras) with decoupled weight decay.</summary>
    Adam,
    /// <summary>SGD with momentum 0.9 (fastai/torchvision fine-tuning recipes) and L2 weight decay.</summary>
    Sgd,
}

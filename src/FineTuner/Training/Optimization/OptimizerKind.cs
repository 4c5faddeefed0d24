using Graft.FineTuner.Training;
namespace Graft.FineTuner.Training.Optimization;

/// <summary>The optimizer of a fine-tuning run.</summary>
public enum OptimizerKind
{
    /// <summary>AdamW: Adam with decoupled weight decay, 0.01 unless given (PyTorch's default).</summary>
    AdamW,
    /// <summary>Adam (β1 0.9, β2 0.999, ε 1e-7 as Keras); weight decay, when given, decoupled as AdamW's.</summary>
    Adam,
    /// <summary>SGD with momentum 0.9 (fastai/torchvision fine-tuning recipes) and L2 weight decay.</summary>
    Sgd,
}

using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
namespace Graft.FineTuner.Heads;

/// <summary>Activation after a dense layer of a head. The last layer has none: the head returns logits (softmax is
/// applied by the loss and by predict/evaluate).</summary>
public enum HeadActivation
{
    None,
    Relu,
}

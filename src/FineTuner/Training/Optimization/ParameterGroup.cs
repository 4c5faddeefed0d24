using TorchSharp.Modules;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Optimization;

/// <summary>Parameters that share a learning-rate multiplier (backbone layers: the backbone multiplier; head: 1).</summary>
/// <param name="Name">"backbone" or "head", for logs.</param>
/// <param name="Parameters">Named parameters (names are the checkpoint keys of their optimizer state).</param>
/// <param name="LearningRateMultiplier">Factor applied to the epoch's base rate.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<(string Name, Parameter Parameter)> Parameters, double LearningRateMultiplier);

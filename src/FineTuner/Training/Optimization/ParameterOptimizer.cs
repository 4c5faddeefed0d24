using Graft.FineTuner.Storage;
using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Optimization;

/// <summary>
/// A small optimizer over parameter groups whose whole state (moments, step count) is exported as named arrays, so a
/// checkpoint restores it exactly and a resumed run continues bit for bit. Adam and SGD, written with in-place
/// TorchSharp ops under no_grad (one fused update per tensor).
/// </summary>
public abstract class ParameterOptimizer : IDisposable
{
    private readonly Dictionary<string, Tensor> _state = new(StringComparer.Ordinal);

    protected ParameterOptimizer(IReadOnlyList<ParameterGroup> groups, double weightDecay)
    {
        Groups = groups;
        WeightDecay = weightDecay;
        var names = groups.SelectMany(g => g.Parameters.Select(p => p.Name)).ToList();
        if (names.Count != names.Distinct(StringComparer.Ordinal).Count()) throw new ArgumentException("Parameter names must be unique.", nameof(groups));
    }

    public IReadOnlyList<ParameterGroup> Groups { get; }

    public double WeightDecay { get; }

    /// <summary>Completed steps.</summary>
    public long Steps { get; protected set; }

    /// <summary>Creates the optimizer <paramref name="kind"/>.</summary>
    public static ParameterOptimizer Create(OptimizerKind kind, IReadOnlyList<ParameterGroup> groups, double weightDecay) => kind switch
    {
        OptimizerKind.Adam or OptimizerKind.AdamW => new AdamOptimizer(groups, weightDecay),
        OptimizerKind.Sgd => new SgdOptimizer(groups, weightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public void ZeroGrad()
    {
        foreach (var g in Groups)
            foreach (var (_, p) in g.Parameters)
            {
                using var grad = p.grad;
                if (grad is null) continue;
                p.grad = null; // releases the gradient memory instead of zero-filling it
            }
    }

    /// <summary>One update of every parameter that has a gradient, at <paramref name="baseRate"/> × each group's multiplier.</summary>
    public void Step(double baseRate)
    {
        Steps++;
        using var _ = no_grad();
        foreach (var g in Groups)
        {
            var rate = baseRate * g.LearningRateMultiplier;
            foreach (var (name, p) in g.Parameters)
            {
                using var grad = p.grad;
                if (grad is null) continue;
                Update(name, p, grad, rate);
            }
        }
    }

    /// <summary>Applies one step to one parameter.</summary>
    protected abstract void Update(string name, Tensor parameter, Tensor grad, double rate);

    /// <summary>The state tensor <paramref name="key"/> of a parameter, created as zeros like it on first use.</summary>
    protected Tensor State(string parameter, string key, Tensor like)
    {
        var full = $"{parameter}#{key}";
        // Detached from any dispose scope: the state outlives the training step that creates it.
        if (!_state.TryGetValue(full, out var t)) _state[full] = t = zeros_like(like).DetachFromDisposeScope();
        return t;
    }

    /// <summary>The full state: step count and every moment tensor.</summary>
    public IEnumerable<NamedArray> ExportState()
    {
        yield return NamedArray.Of("optimizer#steps", [Steps], 1);
        foreach (var (name, t) in _state.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            yield return NamedArray.Of("optimizer:" + name, TensorValues.Floats(t), t.shape);
    }

    /// <summary>Restores <see cref="ExportState"/> output (moments are placed on each parameter's device).</summary>
    public void ImportState(IReadOnlyDictionary<string, NamedArray> arrays)
    {
        foreach (var t in _state.Values) t.Dispose();
        _state.Clear();
        Steps = arrays.TryGetValue("optimizer#steps", out var s) ? s.Longs![0] : 0;
        var devices = Groups.SelectMany(g => g.Parameters).ToDictionary(p => p.Name, p => p.Parameter.device, StringComparer.Ordinal);
        foreach (var (key, array) in arrays.Where(a => a.Key.StartsWith("optimizer:", StringComparison.Ordinal)))
        {
            var full = key["optimizer:".Length..];
            var parameter = full[..full.LastIndexOf('#')];
            if (!devices.TryGetValue(parameter, out var device)) throw new GraftException($"The checkpoint has optimizer state for an unknown parameter '{parameter}'.");
            _state[full] = tensor(array.Floats!, array.Shape, device: device).DetachFromDisposeScope();
        }
    }

    public void Dispose()
    {
        foreach (var t in _state.Values) t.Dispose();
        _state.Clear();
        GC.SuppressFinalize(this);
    }
}

using System.Text;
using Onnx;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion;

/// <summary>Typed access to a node's attributes, with ONNX defaults supplied by the caller.</summary>
internal sealed class NodeAttributes
{
    private readonly Dictionary<string, AttributeProto> _byName;

    public NodeAttributes(NodeProto node)
    {
        Node = node;
        _byName = node.Attribute.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    public NodeProto Node { get; }

    public bool Has(string name) => _byName.ContainsKey(name);

    public long Int(string name, long fallback) => _byName.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => _byName.TryGetValue(name, out var a) ? a.F : fallback;

    public string String(string name, string fallback) =>
        _byName.TryGetValue(name, out var a) ? Encoding.UTF8.GetString(a.S.Span) : fallback;

    /// <summary>The ints attribute, or null when absent.</summary>
    public long[]? Ints(string name) => _byName.TryGetValue(name, out var a) ? a.Ints.ToArray() : null;

    public float[]? Floats(string name) => _byName.TryGetValue(name, out var a) ? a.Floats.ToArray() : null;

    public TensorProto? Tensor(string name) => _byName.TryGetValue(name, out var a) ? a.T : null;
}

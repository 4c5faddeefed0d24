using Graft.FeatureCache.Onnx;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML;
using Onnx;

namespace Graft.HeadTrainer.Heads;

/// <summary>
/// A LightGbm head as ONNX, through ML.NET's own exporter (Microsoft.ML.OnnxConverter, ai.onnx.ml TreeEnsemble
/// operators), reshaped to the contract of <see cref="HeadOnnx.Build"/>: input <c>Features</c> float32 [N, D], output
/// <c>Score</c> float32 [N, C] class probabilities, class names in the metadata. The exporter also emits copies of the
/// inputs and the predicted key; those outputs, and the nodes and initializers only they need, are removed (ONNX
/// Runtime would otherwise log a warning for every unused initializer when the file is loaded).
/// </summary>
internal static class TreeOnnx
{
    private const string ExportedScore = "Score.output";

    public static ModelProto Convert(MLContext ml, ITransformer model, int dimension, IReadOnlyList<string>? classNames)
    {
        using var stream = new MemoryStream();
        ml.Model.ConvertToOnnx(model, FeatureOnlyView.Create(ml, dimension), stream);
        var onnx = OnnxModelReader.Parse(stream.ToArray(), "ML.NET's ONNX export of the LightGBM head");
        var graph = onnx.Graph;
        var score = graph.Output.FirstOrDefault(o => o.Name == ExportedScore)
            ?? throw new InvalidOperationException($"ML.NET's ONNX export has no '{ExportedScore}' output.");
        // The exporter names intermediates after ML.NET columns, "Score" among them: move those aside first.
        Rename(graph, HeadOnnx.ScoreName, HeadOnnx.ScoreName + ".internal");
        Rename(graph, ExportedScore, HeadOnnx.ScoreName);
        score.Name = HeadOnnx.ScoreName;
        graph.Output.Clear();
        graph.Output.Add(score);
        Prune(graph);
        if (classNames is not null)
            onnx.MetadataProps.Add(new StringStringEntryProto { Key = HeadOnnx.ClassNamesKey, Value = JsonSerializer.Serialize(classNames) });
        return onnx;
    }

    private static void Rename(GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++) if (node.Input[i] == from) node.Input[i] = to;
            for (var i = 0; i < node.Output.Count; i++) if (node.Output[i] == from) node.Output[i] = to;
        }
        foreach (var v in graph.ValueInfo.Where(v => v.Name == from)) v.Name = to;
    }

    /// <summary>Keeps only the nodes the graph outputs depend on, and the initializers those nodes read.</summary>
    private static void Prune(GraphProto graph)
    {
        var needed = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        foreach (var node in graph.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains)) continue;
            kept.Add(node);
            foreach (var input in node.Input) needed.Add(input);
        }
        kept.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        var initializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var inputs = graph.Input.Where(i => needed.Contains(i.Name)).ToList();
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
        var info = graph.ValueInfo.Where(v => needed.Contains(v.Name)).ToList();
        graph.ValueInfo.Clear();
        graph.ValueInfo.AddRange(info);
    }
}

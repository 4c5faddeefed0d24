using System.Globalization;
using System.Text;
using Graft.HeadTrainer.Heads;

namespace Graft.HeadTrainer.Runs;

/// <summary>
/// The seed's <c>model.summary()</c> for backbone + head: the frozen backbone as one row (its parameter count read
/// from the ONNX file's initializers), then the head's layers (trainable). Written as summary.txt (print-ready) and
/// summary.json.
/// </summary>
public sealed record ParameterSummary
{
    public required string Model { get; init; }
    public required IReadOnlyList<SummaryLayer> Layers { get; init; }

    /// <summary>Backbone parameters; null when the backbone's ONNX file was not found.</summary>
    public long? BackboneParameters { get; init; }

    private const string LightGbmLayer = "lightgbm";

    public long TrainableParameters => Layers.Where(l => l.Trainable).Sum(l => l.Parameters);

    public long NonTrainableParameters => Layers.Where(l => !l.Trainable).Sum(l => l.Parameters);

    public long TotalParameters => TrainableParameters + NonTrainableParameters;

    /// <summary>The summary of <paramref name="head"/> on features of <paramref name="backbone"/>.</summary>
    public static ParameterSummary For(RunBackbone backbone, TrainedHead head, HeadTrainingOptions options)
    {
        var d = head.InputDimension;
        var c = head.Classes;
        var layers = new List<SummaryLayer>
        {
            new($"backbone ({backbone.Name})", "frozen ONNX" + (backbone.Parameters is null ? ", parameters unknown" : ""),
                $"(None, {d})", backbone.Parameters ?? 0, Trainable: false),
        };
        switch (head.Kind)
        {
            case HeadKind.Linear:
                if (options.Linear.Normalization != FeatureNormalization.None)
                    layers.Add(new("normalization", $"{options.Linear.Normalization} (folded into dense)", $"(None, {d})", 2L * d, Trainable: false));
                layers.Add(new("dense", "Dense, softmax", $"(None, {c})", (long)d * c + c, Trainable: true));
                break;
            case HeadKind.Mlp:
                var h = options.Mlp.Hidden;
                layers.Add(new("dense", "Dense, relu", $"(None, {h})", (long)d * h + h, Trainable: true));
                layers.Add(new("dropout", $"Dropout {options.Mlp.Dropout.ToString(CultureInfo.InvariantCulture)}", $"(None, {h})", 0, Trainable: true));
                layers.Add(new("dense_1", "Dense, softmax", $"(None, {c})", (long)h * c + c, Trainable: true));
                break;
            case HeadKind.LightGbm:
                var trees = head.Selection.TryGetValue("trees", out var t) ? t : "?";
                layers.Add(new(LightGbmLayer, $"LightGBM, {trees} trees", $"(None, {c})", head.ParameterCount, Trainable: true));
                break;
        }
        return new ParameterSummary { Model = $"{backbone.Name}_{head.Kind.ToName()}", Layers = layers, BackboneParameters = backbone.Parameters };
    }

    /// <summary>Print-ready text in the layout of Keras's summary().</summary>
    public string ToText()
    {
        var rows = Layers.Select(l => (Name: $"{l.Name} ({l.Type})", l.OutputShape, Params: l.Parameters.ToString("N0", CultureInfo.InvariantCulture))).ToList();
        var w1 = Math.Max("Layer (type)".Length, rows.Max(r => r.Name.Length)) + 2;
        var w2 = Math.Max("Output Shape".Length, rows.Max(r => r.OutputShape.Length)) + 2;
        var w3 = Math.Max("Param #".Length, rows.Max(r => r.Params.Length));
        var rule = new string('─', w1 + w2 + w3);
        var text = new StringBuilder();
        text.AppendLine($"Model: \"{Model}\"");
        text.AppendLine(rule);
        text.AppendLine("Layer (type)".PadRight(w1) + "Output Shape".PadRight(w2) + "Param #".PadLeft(w3));
        text.AppendLine(rule);
        foreach (var r in rows) text.AppendLine(r.Name.PadRight(w1) + r.OutputShape.PadRight(w2) + r.Params.PadLeft(w3));
        text.AppendLine(rule);
        text.AppendLine($"Total params: {TotalParameters.ToString("N0", CultureInfo.InvariantCulture)}");
        text.AppendLine($"Trainable params: {TrainableParameters.ToString("N0", CultureInfo.InvariantCulture)}");
        text.AppendLine($"Non-trainable params: {NonTrainableParameters.ToString("N0", CultureInfo.InvariantCulture)}");
        if (BackboneParameters is null) text.AppendLine("(backbone parameters unknown: its ONNX file was not found)");
        if (Layers.Any(l => l.Name == LightGbmLayer))
            text.AppendLine("(LightGBM's trainable params are its trees' split thresholds and leaf values, fitted by boosting, not weights)");
        return text.ToString();
    }
}

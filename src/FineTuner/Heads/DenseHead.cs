using System.Text.Json;
using Graft.FineTuner.Storage;

namespace Graft.FineTuner.Heads;

/// <summary>
/// The fine-tuner's head weights and their files: <c>head.json</c> (class names, widths, activations, dropout) and
/// <c>head.bin</c> (a <see cref="TensorFile"/> with <c>dense_i.weight</c> [out, in], <c>dense_i.bias</c> [out] and the
/// optional <c>input.shift</c>/<c>input.scale</c> [D]).
/// </summary>
public sealed record DenseHead : IHeadWeights
{
    public const string JsonFile = "head.json";
    public const string WeightsFile = "head.bin";

    public required int InputDimension { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public FeatureNormalization? Normalization { get; init; }
    public required IReadOnlyList<DenseLayerWeights> Layers { get; init; }

    /// <summary>A validated copy of any head.</summary>
    public static DenseHead From(IHeadWeights head)
    {
        ArgumentNullException.ThrowIfNull(head);
        var copy = new DenseHead
        {
            InputDimension = head.InputDimension,
            ClassNames = head.ClassNames.ToArray(),
            Normalization = head.Normalization,
            Layers = head.Layers.ToArray(),
        };
        copy.Validate();
        return copy;
    }

    /// <summary>Throws <see cref="GraftException"/> when widths do not chain from D to the class count.</summary>
    public void Validate()
    {
        if (Layers.Count == 0) throw new GraftException("The head has no layers.");
        if (ClassNames.Count < 2) throw new GraftException($"The head has {ClassNames.Count} class(es); a classifier needs at least 2.");
        var width = InputDimension;
        for (var i = 0; i < Layers.Count; i++)
        {
            var layer = Layers[i];
            layer.Validate($"Head layer {i}");
            if (layer.Inputs != width) throw new GraftException($"Head layer {i} reads {layer.Inputs} values but receives {width}.");
            width = layer.Outputs;
        }
        if (width != ClassNames.Count) throw new GraftException($"The head outputs {width} values for {ClassNames.Count} classes.");
        if (Normalization is { } n && (n.Shift.Length != InputDimension || n.Scale.Length != InputDimension))
            throw new GraftException($"The head's feature normalisation has {n.Shift.Length}/{n.Scale.Length} values for {InputDimension} features.");
    }

    /// <summary>The same function with the feature normalisation folded into the first layer:
    /// W·((x − s)·k) + b = (W·diag(k))·x + (b − W·(s·k)).</summary>
    public DenseHead FoldNormalization()
    {
        if (Normalization is not { } n) return this;
        var first = Layers[0];
        var w = new float[first.Weight.Length];
        var b = first.Bias.ToArray();
        for (var o = 0; o < first.Outputs; o++)
        {
            double shift = 0;
            for (var i = 0; i < first.Inputs; i++)
            {
                w[o * first.Inputs + i] = first.Weight[o * first.Inputs + i] * n.Scale[i];
                shift += (double)w[o * first.Inputs + i] * n.Shift[i];
            }
            b[o] = (float)(b[o] - shift);
        }
        return this with { Normalization = null, Layers = [first with { Weight = w, Bias = b }, .. Layers.Skip(1)] };
    }

    /// <summary>Trainable values: weights and biases of every layer.</summary>
    public long ParameterCount => Layers.Sum(l => (long)l.Weight.Length + l.Bias.Length);

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var arrays = new List<NamedArray>();
        if (Normalization is { } n)
        {
            arrays.Add(NamedArray.Of("input.shift", n.Shift, n.Shift.Length));
            arrays.Add(NamedArray.Of("input.scale", n.Scale, n.Scale.Length));
        }
        for (var i = 0; i < Layers.Count; i++)
        {
            arrays.Add(NamedArray.Of($"dense_{i}.weight", Layers[i].Weight, Layers[i].Outputs, Layers[i].Inputs));
            arrays.Add(NamedArray.Of($"dense_{i}.bias", Layers[i].Bias, Layers[i].Outputs));
        }
        TensorFile.Write(Path.Combine(directory, WeightsFile), arrays);
        var json = new HeadJson(InputDimension, ClassNames.ToArray(), Normalization is not null,
            Layers.Select(l => new HeadLayerJson(l.Inputs, l.Outputs, l.Activation.ToString().ToLowerInvariant(), l.DropoutBefore)).ToArray());
        var path = Path.Combine(directory, JsonFile);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(json, Json));
    }

    public static DenseHead Load(string directory)
    {
        var path = Path.Combine(directory, JsonFile);
        if (!File.Exists(path)) throw new GraftException($"No head in '{directory}' ({JsonFile} is missing).");
        var json = JsonSerializer.Deserialize<HeadJson>(File.ReadAllText(path), Json) ?? throw new GraftException($"'{path}' is empty.");
        var arrays = TensorFile.Read(Path.Combine(directory, WeightsFile)).ToDictionary(a => a.Name, StringComparer.Ordinal);
        float[] Get(string name) => arrays.TryGetValue(name, out var a) && a.Floats is { } f ? f : throw new GraftException($"'{directory}/{WeightsFile}' has no '{name}'.");
        var head = new DenseHead
        {
            InputDimension = json.InputDimension,
            ClassNames = json.ClassNames,
            Normalization = json.Normalized ? new FeatureNormalization(Get("input.shift"), Get("input.scale")) : null,
            Layers = json.Layers.Select((l, i) => new DenseLayerWeights(l.Inputs, l.Outputs, Get($"dense_{i}.weight"), Get($"dense_{i}.bias"),
                Enum.Parse<HeadActivation>(l.Activation, ignoreCase: true), l.DropoutBefore)).ToArray(),
        };
        head.Validate();
        return head;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private sealed record HeadJson(int InputDimension, string[] ClassNames, bool Normalized, HeadLayerJson[] Layers);

    private sealed record HeadLayerJson(int Inputs, int Outputs, string Activation, float DropoutBefore);
}

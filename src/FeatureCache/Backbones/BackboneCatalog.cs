using Graft.FeatureCache.Preprocessing;
using Onnx;
using Graft.FeatureCache.Onnx;

namespace Graft.FeatureCache.Backbones;

/// <summary>
/// The known backbones: every descriptor JSON in the catalog folders ($GRAFT_MODELS, the application's
/// models/onnx, ./models/onnx), plus any descriptor file or bare .onnx file a user names.
/// </summary>
public sealed class BackboneCatalog
{
    /// <summary>The backbone used when none is named: ImageNet ResNet18 from ML.NET's NuGet package.</summary>
    public const string DefaultName = "resnet18";

    private readonly Dictionary<string, BackboneDescriptor> _byName;

    public BackboneCatalog(IEnumerable<string> folders)
    {
        _byName = new Dictionary<string, BackboneDescriptor>(StringComparer.OrdinalIgnoreCase);
        Folders = folders.Where(Directory.Exists).Select(Path.GetFullPath).Distinct().ToList();
        foreach (var file in Folders.SelectMany(f => Directory.EnumerateFiles(f, "*.json").Order(StringComparer.Ordinal)))
        {
            var d = BackboneDescriptor.Load(file);
            _byName.TryAdd(d.Name, d); // earlier folders win: $GRAFT_MODELS can shadow a shipped descriptor
        }
    }

    /// <summary>The folders searched, in order.</summary>
    public IReadOnlyList<string> Folders { get; }

    public IReadOnlyList<BackboneDescriptor> All => _byName.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToList();

    /// <summary>The catalog over the standard folders.</summary>
    public static BackboneCatalog Default()
    {
        var folders = new List<string>();
        var env = Environment.GetEnvironmentVariable("GRAFT_MODELS");
        if (!string.IsNullOrEmpty(env)) folders.AddRange(env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        folders.Add(Path.Combine(AppContext.BaseDirectory, "models", "onnx"));
        folders.Add(Path.Combine(Directory.GetCurrentDirectory(), "models", "onnx"));
        return new BackboneCatalog(folders);
    }

    /// <summary>
    /// Resolves a name from the catalog, a descriptor .json file or a bare .onnx file, then applies
    /// <paramref name="overrides"/>. Throws <see cref="GraftException"/> when nothing matches.
    /// </summary>
    public BackboneDescriptor Resolve(string? nameOrPath, BackboneOverrides? overrides = null)
    {
        var spec = string.IsNullOrWhiteSpace(nameOrPath) ? DefaultName : nameOrPath.Trim();
        BackboneDescriptor d;
        if (spec.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            d = BackboneDescriptor.Load(ModelFileLocator.ExpandHome(spec));
        else if (spec.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            d = Describe(ModelFileLocator.ExpandHome(spec), overrides ?? new BackboneOverrides());
        else if (!_byName.TryGetValue(spec, out d!))
            d = _byName.Values.FirstOrDefault(x => string.Equals(x.Id, spec, StringComparison.OrdinalIgnoreCase))
                ?? throw new GraftException($"Unknown backbone '{spec}'.",
                    $"Known: {string.Join(", ", _byName.Keys.Order(StringComparer.Ordinal))}; or pass a descriptor .json or an .onnx file.");
        return overrides is null || overrides.IsEmpty ? d : overrides.ApplyTo(d);
    }

    /// <summary>
    /// Describes a bare ONNX CNN from its graph: first non-initializer input (NCHW or NHWC by where the 3 is), first
    /// output (pooled when it is [N,D] or [N,D,1,1], otherwise averaged by Graft), ImageNet "torch" preprocessing unless
    /// overridden.
    /// </summary>
    public static BackboneDescriptor Describe(string onnxPath, BackboneOverrides overrides)
    {
        var graph = OnnxModelReader.Read(onnxPath).Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var input = graph.Input.FirstOrDefault(i => overrides.InputName is null ? !initializers.Contains(i.Name) : i.Name == overrides.InputName)
            ?? throw new GraftException($"'{onnxPath}' has no input named '{overrides.InputName}'.");
        var output = graph.Output.FirstOrDefault(o => overrides.OutputName is null || o.Name == overrides.OutputName)
            ?? throw new GraftException($"'{onnxPath}' has no output named '{overrides.OutputName}'.");
        var inDims = Dims(input);
        var outDims = Dims(output);
        if (inDims.Length != 4)
            throw new GraftException($"Input '{input.Name}' of '{onnxPath}' has rank {inDims.Length}; an image backbone takes [N,3,H,W] or [N,H,W,3].");
        var nhwc = inDims[3] == 3 && inDims[1] != 3;
        var (h, w) = nhwc ? (inDims[1], inDims[2]) : (inDims[2], inDims[3]);
        var size = overrides.ImageSize ?? (h > 0 ? (int)h : w > 0 ? (int)w : 224);
        var spatial = outDims.Length == 4 && !(nhwc ? outDims[1] == 1 && outDims[2] == 1 : outDims[2] == 1 && outDims[3] == 1);
        var featureDim = outDims.Length switch
        {
            2 => outDims[1],
            4 => nhwc ? outDims[3] : outDims[1],
            _ => -1,
        };
        var dim = overrides.Dimension ?? (int)featureDim;
        if (dim <= 0)
            throw new GraftException($"Cannot tell the feature width of output '{output.Name}' ([{string.Join(',', outDims)}]).", "Pass --feature-dim.");

        var descriptor = new BackboneDescriptor
        {
            Name = Path.GetFileNameWithoutExtension(onnxPath),
            Description = $"User model {Path.GetFileName(onnxPath)} (described from its graph and flags)",
            Model = new ModelFileSource { Path = Path.GetFullPath(onnxPath) },
            Input = new BackboneInput { Name = input.Name, FixedBatch = inDims[0] == 1 },
            Preprocess = PreprocessPreset.Apply("torch", new PreprocessSpec
            {
                Width = size,
                Height = size,
                Layout = nhwc ? TensorLayout.Nhwc : TensorLayout.Nchw,
            }),
            Output = new BackboneOutput { Name = output.Name, Dimension = dim, Pooling = spatial ? OutputPooling.GlobalAverage : OutputPooling.InGraph },
        };
        return overrides.ApplyTo(descriptor);
    }

    private static long[] Dims(ValueInfoProto v) =>
        v.Type?.TensorType?.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1).ToArray() ?? [];
}

using Graft.FeatureCache.Datasets;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Graft.FeatureCache.Onnx;

namespace Graft.FeatureCache.Backbones;

/// <summary>
/// The gatekeeper of a backbone's model file — the one type that locates it (<see cref="ModelFileLocator"/>'s search
/// order), verifies it (its SHA-256 against the descriptor's pin, and every derived copy against the hash recorded
/// when the copy was made) and opens it (parsed protobuf or ONNX Runtime session). Features are keyed by
/// <see cref="Sha256"/>, so nothing computes features from a file this type has not checked.
/// </summary>
public sealed class BackboneModelFile
{
    private string? _runnablePath;

    private BackboneModelFile(BackboneDescriptor descriptor, string path, string sha256)
    {
        Descriptor = descriptor;
        Path = path;
        Sha256 = sha256;
    }

    public BackboneDescriptor Descriptor { get; }

    /// <summary>Full path of the model file the descriptor names.</summary>
    public string Path { get; }

    /// <summary>Lower-case hex SHA-256 of <see cref="Path"/>: the backbone part of every feature key.</summary>
    public string Sha256 { get; }

    /// <summary>Folder of the descriptor file (relative model and mean-image paths), or null.</summary>
    public string? DescriptorDirectory => DirectoryOf(Descriptor);

    /// <summary>
    /// Locates and hashes <paramref name="descriptor"/>'s model file. Throws <see cref="GraftException"/> when it is
    /// missing (the message lists where it looked) or differs from the descriptor's <c>sha256</c>.
    /// </summary>
    public static BackboneModelFile Open(BackboneDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var path = ModelFileLocator.Locate(descriptor.Model, DirectoryOf(descriptor));
        if (FileNode.Stat(path) is { IsRegular: false } node) // a device would hash forever, a FIFO block
            throw new GraftException($"Model file '{path}' of backbone '{descriptor.Name}' is {node.Describe()}, not a regular file.",
                "Point the descriptor (or --backbone) at the ONNX file itself.");
        var sha = ModelHash.Compute(path);
        if (descriptor.Sha256 is not null && !string.Equals(sha, descriptor.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new GraftException($"Model file '{path}' has SHA-256 {sha[..12]}…, but backbone '{descriptor.Name}' expects {descriptor.Sha256[..12]}….",
                "The file is not the one the descriptor describes (a different export or a damaged download); fix the file or the descriptor's sha256.");
        return new BackboneModelFile(descriptor, path, sha);
    }

    /// <summary>Like <see cref="Open"/>, then also requires the file to be the model whose hash is
    /// <paramref name="expectedSha256"/> (the one a feature set or run was made with).</summary>
    public static BackboneModelFile OpenExpecting(BackboneDescriptor descriptor, string expectedSha256, string hint)
    {
        var file = Open(descriptor);
        if (!string.Equals(file.Sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new GraftException($"The features were made by model {expectedSha256[..12]}…, but backbone '{descriptor.Name}' is {file.Sha256[..12]}….", hint);
        return file;
    }

    /// <summary>Whether the descriptor's model file can be found (without hashing it).</summary>
    public static bool IsPresent(BackboneDescriptor descriptor)
    {
        try
        {
            ModelFileLocator.Locate(descriptor.Model, DirectoryOf(descriptor));
            return true;
        }
        catch (GraftException)
        {
            return false;
        }
    }

    /// <summary>
    /// The file ONNX Runtime should run: the model itself, or for fixed-batch exports a copy with a symbolic batch
    /// dimension under <see cref="GraftHome"/>, verified against the hash recorded when it was written (an altered
    /// copy is rebuilt, never run).
    /// </summary>
    public string RunnablePath => _runnablePath ??= Descriptor.Input.FixedBatch ? BatchDimension.EnsureBatchedCopy(Path, Sha256) : Path;

    /// <summary>The model file's protobuf.</summary>
    public ModelProto Read() => OnnxModelReader.Read(Path);

    /// <summary>The protobuf of <see cref="RunnablePath"/>.</summary>
    public ModelProto ReadRunnable() => OnnxModelReader.Read(RunnablePath);

    /// <summary>An ONNX Runtime session over <see cref="RunnablePath"/>.</summary>
    public InferenceSession OpenSession(SessionOptions options) => OrtSessionFactory.Open(RunnablePath, options);

    /// <summary>The per-pixel mean image of the descriptor's preprocessing, or null when it has none.</summary>
    public float[]? LoadMeanImage() =>
        Descriptor.Preprocess.MeanImage is null ? null : MeanImageLoader.Load(Descriptor.Preprocess, DescriptorDirectory);

    private static string? DirectoryOf(BackboneDescriptor d) =>
        d.DescriptorPath is null ? null : System.IO.Path.GetDirectoryName(d.DescriptorPath);
}

using System.Buffers;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Preprocessing;
using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Runs;
using Graft.HeadTrainer.Training;
using Microsoft.ML;

namespace Graft.HeadTrainer.Deployment;

/// <summary>
/// Backbone + head, straight from image files: decode, preprocess exactly as the features were made, run the frozen
/// backbone in batches, score with the run's ML.NET head. The composition point of <c>graft predict</c>.
/// </summary>
public sealed class ImageClassifier : IDisposable
{
    private readonly OnnxBackbone _backbone;
    private readonly Preprocessor _preprocessor;
    private readonly ImageDecoder _decoder;
    private readonly MLContext _ml = new(seed: 0);
    private readonly ITransformer _head;

    private ImageClassifier(RunFolder run, OnnxBackbone backbone, Preprocessor preprocessor, ImageDecoder decoder, ITransformer head)
    {
        Run = run;
        _backbone = backbone;
        _preprocessor = preprocessor;
        _decoder = decoder;
        _head = head;
    }

    public RunFolder Run { get; }

    public IReadOnlyList<string> ClassNames => Run.Config.ClassNames;

    /// <summary>One log line: which backbone runs where.</summary>
    public string DeviceDescription => _backbone.DeviceDescription;

    /// <summary>Opens the run's backbone (refusing a model file other than the one its features came from) and head.</summary>
    public static ImageClassifier Open(string runDirectory, BackboneRunOptions? options = null, DecoderLimits? limits = null)
    {
        var run = RunFolder.Load(runDirectory);
        var descriptor = run.Backbone
            ?? throw new GraftException($"Run '{run.Directory}' has no {RunFolder.BackboneFile}.", "Train the head again with this version of Graft.");
        var backbone = OnnxBackbone.Load(descriptor, options ?? new BackboneRunOptions());
        try
        {
            if (!string.Equals(backbone.ModelSha256, run.Config.FeatureSet.ModelSha256, StringComparison.OrdinalIgnoreCase))
                throw new GraftException(
                    $"The backbone file '{backbone.ModelPath}' (SHA-256 {backbone.ModelSha256[..12]}…) is not the one this head was trained on ({run.Config.FeatureSet.ModelSha256[..12]}…).",
                    "Point the run's backbone.json at the original model file, or train a head on features of this one.");
            if (descriptor.Preprocess.CanonicalText() != run.Config.FeatureSet.Preprocess)
                throw new GraftException("The run's backbone.json preprocessing differs from the one its features were made with.",
                    "Restore backbone.json from the run, or train a new head.");
            var dir = descriptor.DescriptorPath is null ? null : Path.GetDirectoryName(descriptor.DescriptorPath);
            var mean = descriptor.Preprocess.MeanImage is null ? null : MeanImageLoader.Load(descriptor.Preprocess, dir);
            var ml = new MLContext(seed: 0);
            return new ImageClassifier(run, backbone, new Preprocessor(descriptor.Preprocess, mean), new ImageDecoder(limits), run.LoadModel(ml));
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>Image files under <paramref name="path"/> (a file, or a folder searched recursively), sorted.</summary>
    public static IReadOnlyList<string> FindImages(string path) => FindImages(path, []);

    /// <summary>
    /// Image files under <paramref name="path"/> (a file, or a folder searched recursively, each real file once: see
    /// <see cref="FolderWalker"/>), sorted; link cycles and other oddities of the folder are added to
    /// <paramref name="notes"/>. A single path is returned as is, whatever it is: reading it reports a FIFO or device.
    /// </summary>
    public static IReadOnlyList<string> FindImages(string path, ICollection<string> notes)
    {
        if (File.Exists(path)) return [Path.GetFullPath(path)];
        if (!Directory.Exists(path)) throw new GraftException($"'{path}' is neither an image file nor a folder.");
        var full = Path.GetFullPath(path);
        var walker = new FolderWalker(ImageFileExtensions.IsImage, full);
        var files = walker.Walk([full]).Select(f => f.Path).Order(StringComparer.Ordinal).ToList();
        foreach (var note in walker.Notes) notes.Add(note);
        return files.Count > 0 ? files : throw new GraftException($"No images in '{path}'.", "Images are .jpg, .png, .bmp, .gif, .tif, .webp, .tga or .pbm files.");
    }

    /// <summary>Class probabilities [n × C] for already-computed features (rows of D floats).</summary>
    public float[] Score(float[] features, int rows)
    {
        var view = new FeatureDataView(new LabeledFeatures(_backbone.Dimension, features, new int[rows]), ClassNames.Count);
        return ScoreReader.Read(_head.Transform(view), ClassNames.Count);
    }

    /// <summary>Predicts every file, <paramref name="topK"/> classes each. Unusable images come back with a reason.
    /// <paramref name="progress"/> hears the number of files done after each batch.</summary>
    public IReadOnlyList<ImagePrediction> Predict(IReadOnlyList<string> files, int topK = 5, IProgress<int>? progress = null)
    {
        var results = new ImagePrediction?[files.Count];
        var batch = _backbone.MaxBatchSize;
        var len = _preprocessor.Spec.TensorLength;
        for (var start = 0; start < files.Count; start += batch)
        {
            var count = Math.Min(batch, files.Count - start);
            var tensors = new float[count][];
            Parallel.For(0, count, k =>
            {
                var file = files[start + k];
                try
                {
                    using var image = _decoder.Decode(ImageFileReader.Read(file, _decoder.Limits.MaxFileMegabytes));
                    tensors[k] = ArrayPool<float>.Shared.Rent(len);
                    _preprocessor.Apply(image, tensors[k].AsSpan(0, len));
                }
                catch (ImageRejectedException e)
                {
                    results[start + k] = new ImagePrediction(file, [], $"{e.Reason}: {e.Message}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    results[start + k] = new ImagePrediction(file, [], $"{RejectReason.Unreadable}: {e.Message}");
                }
            });
            var rows = Enumerable.Range(0, count).Where(k => tensors[k] is not null).ToList();
            if (rows.Count == 0)
            {
                progress?.Report(start + count);
                continue;
            }
            for (var r = 0; r < rows.Count; r++)
            {
                tensors[rows[r]].AsSpan(0, len).CopyTo(_backbone.InputBuffer.AsSpan(r * len, len));
                ArrayPool<float>.Shared.Return(tensors[rows[r]]);
            }
            _backbone.Run(rows.Count);
            var features = _backbone.OutputBuffer.AsSpan(0, rows.Count * _backbone.Dimension).ToArray();
            var scores = Score(features, rows.Count);
            for (var r = 0; r < rows.Count; r++)
                results[start + rows[r]] = new ImagePrediction(files[start + rows[r]], Top(scores.AsSpan(r * ClassNames.Count, ClassNames.Count), topK));
            progress?.Report(start + count);
        }
        return results!;
    }

    private List<ClassProbability> Top(ReadOnlySpan<float> probabilities, int k)
    {
        var p = probabilities.ToArray();
        return Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ThenBy(i => i).Take(Math.Max(1, k))
            .Select(i => new ClassProbability(ClassNames[i], i, p[i])).ToList();
    }

    public void Dispose() => _backbone.Dispose();
}

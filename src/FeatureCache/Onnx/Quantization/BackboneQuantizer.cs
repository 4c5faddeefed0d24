using System.Diagnostics;
using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Preprocessing;
using Onnx;

namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>
/// <c>graft backbone quantize</c>: a backbone descriptor in, an int8 QDQ copy of its model and a descriptor for it out.
/// Calibration images come from the user's own training split, decoded and preprocessed exactly as precompute does
/// (<see cref="ImageDecoder"/>, <see cref="Preprocessor"/> with the descriptor's spec and mean image). The new model has
/// its own SHA-256, so its features form a feature set of their own in any cache, never mixed with the float ones.
/// </summary>
public static class BackboneQuantizer
{
    public static BackboneQuantizeResult Quantize(BackboneDescriptor backbone, ImageDataset data, BackboneQuantizeOptions options, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(data);
        if (options.Images < 1) throw new GraftException($"--images {options.Images}: calibration needs at least 1 image.", "256 is a good default; 16 already works.");
        var clock = Stopwatch.StartNew();
        var file = BackboneModelFile.Open(backbone);
        log?.Report($"reading {file.Path}");
        var prepared = GraphPreparation.Prepare(file.ReadRunnable(), out var folded);
        var plan = QdqQuantizer.Plan(prepared, options.Quantization.Exclude);
        log?.Report($"{plan.Nodes.Count} nodes to quantize ({plan.FloatNodes.Count} stay float), {folded} BatchNormalization folded, {plan.Tensors.Count} activation tensors to calibrate");

        var images = LoadCalibrationImages(file, data, options.Images, out var skipped, log);
        var ranges = ActivationCalibrator.Calibrate(prepared, plan.Tensors, images, options.Quantization, options.Threads, log);
        var quantized = QdqQuantizer.Apply(prepared, plan, ranges, options.Quantization);
        var name = options.Name ?? backbone.Name + "-int8";
        Stamp(quantized, file, options, images.Count, data.Root);

        log?.Report("checking int8 features against float32");
        var check = images.Take(options.CheckImages);
        var layout = backbone.Preprocess.Layout;
        var reference = FeatureComparison.Features(prepared, backbone.Output, layout, check, options.Threads);
        var agreement = FeatureAgreement.Compare(reference, FeatureComparison.Features(quantized, backbone.Output, layout, check, options.Threads), backbone.Output.Dimension);

        var sensitivity = new List<LayerSensitivity>();
        if (options.Sensitivity)
        {
            foreach (var (node, i) in plan.Nodes.Where(n => n.OpType != "Add").Select((n, i) => (n, i)))
            {
                log?.Report($"sensitivity {i + 1}: {node.Name}");
                var one = QdqQuantizer.Apply(prepared, plan.Only(n => n.Name == node.Name), ranges, options.Quantization);
                var a = FeatureAgreement.Compare(reference, FeatureComparison.Features(one, backbone.Output, layout, check, options.Threads), backbone.Output.Dimension);
                sensitivity.Add(new LayerSensitivity(node.Name, node.OpType, a.MeanCosine, a.RelativeL2));
            }
            sensitivity.Sort((x, y) => y.RelativeL2.CompareTo(x.RelativeL2));
        }

        Directory.CreateDirectory(options.OutputDirectory);
        var modelPath = Path.GetFullPath(Path.Combine(options.OutputDirectory, name + ".onnx"));
        var descriptorPath = Path.ChangeExtension(modelPath, ".json");
        var bytes = quantized.ToByteArray();
        AtomicFile.WriteAllBytes(modelPath, bytes);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var descriptor = Describe(backbone, name, Path.GetFileName(modelPath), sha, options, images.Count, plan);
        AtomicFile.WriteAllText(descriptorPath, System.Text.Json.JsonSerializer.Serialize(descriptor, BackboneDescriptor.JsonOptions) + "\n");
        return new BackboneQuantizeResult
        {
            ModelPath = modelPath,
            DescriptorPath = descriptorPath,
            Sha256 = sha,
            Name = name,
            QuantizedNodes = plan.Nodes.Count,
            FloatNodes = plan.FloatNodes,
            FoldedBatchNorms = folded,
            CalibrationImages = images.Count,
            SkippedImages = skipped,
            Method = MethodName(options.Quantization),
            Activations = options.Quantization.Activations.ToString().ToLowerInvariant(),
            Agreement = agreement,
            Sensitivity = sensitivity,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
    }

    /// <summary>Up to <paramref name="count"/> training images, evenly spaced over the training split sorted by id (so
    /// every class is represented and the choice is the same on every run), decoded and preprocessed as precompute does.
    /// Images that fail to decode are skipped and counted.</summary>
    public static CalibrationImages LoadCalibrationImages(BackboneModelFile file, ImageDataset data, int count, out int skipped, IProgress<string>? log = null)
    {
        var train = data.Items.Where(i => i.Split == Split.Train).OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
        if (train.Count == 0)
            throw new GraftException($"The calibration data '{data.Root}' has no training images{(data.Items.Count == 0 ? " (it has no images at all)" : $" ({data.Items.Count} images, none in the train split)")}.",
                "Calibrate on the training split of the data the features are for.");
        var take = Math.Min(count, train.Count);
        var picked = Enumerable.Range(0, take).Select(k => train[(int)((long)k * train.Count / take)]).ToList();
        var spec = file.Descriptor.Preprocess;
        var preprocessor = new Preprocessor(spec, file.LoadMeanImage());
        var decoder = new ImageDecoder();
        var len = spec.TensorLength;
        var buffer = new float[picked.Count * (long)len];
        var ok = new bool[picked.Count];
        log?.Report($"decoding {picked.Count} calibration images of {train.Count} training images");
        Parallel.For(0, picked.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
        {
            try
            {
                using var image = decoder.Decode(picked[k].Read());
                preprocessor.Apply(image, buffer.AsSpan(k * len, len));
                ok[k] = true;
            }
            catch (Exception e) when (e is ImageRejectedException or IOException or InvalidDataException)
            {
                // skipped, like precompute does with an unreadable image
            }
        });
        skipped = ok.Count(x => !x);
        var good = ok.Count(x => x);
        if (good == 0) throw new GraftException($"None of the {picked.Count} calibration images of '{data.Root}' could be decoded.");
        if (skipped > 0)
        {
            // Compact the decoded images to the front, keeping their order.
            var w = 0;
            for (var k = 0; k < picked.Count; k++)
                if (ok[k]) buffer.AsSpan(k * len, len).CopyTo(buffer.AsSpan(w++ * len, len));
            buffer = buffer[..(good * len)];
        }
        long[] shape = spec.Layout == TensorLayout.Nchw ? [3, spec.Height, spec.Width] : [spec.Height, spec.Width, 3];
        return new CalibrationImages(file.Descriptor.Input.Name, shape, buffer, good);
    }

    private static string MethodName(QuantizationOptions o) =>
        o.Method == CalibrationMethod.Percentile ? $"percentile {o.Percentile:G}" : o.Method.ToString().ToLowerInvariant();

    /// <summary>Records how the model was made in its metadata_props (kept out of the feature key only through the
    /// file hash, which they are part of).</summary>
    private static void Stamp(ModelProto model, BackboneModelFile source, BackboneQuantizeOptions options, int images, string dataRoot)
    {
        void Put(string key, string value) => model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        Put("graft.quantization", "int8 QDQ: per-channel symmetric int8 weights, int32 biases, "
            + $"{options.Quantization.Activations.ToString().ToLowerInvariant()} activations{(options.Quantization.ReduceRange ? ", 7-bit weights (reduce range)" : "")}");
        Put("graft.quantization.source_sha256", source.Sha256);
        Put("graft.quantization.calibration", $"{MethodName(options.Quantization)}, {images} images of the train split of {Path.GetFileName(dataRoot.TrimEnd('/'))}");
        if (options.Quantization.Exclude.Count > 0)
            Put("graft.quantization.exclude", string.Join(",", options.Quantization.Exclude.Order(StringComparer.Ordinal)));
    }

    private static BackboneDescriptor Describe(BackboneDescriptor source, string name, string modelFileName, string sha, BackboneQuantizeOptions options, int images, QuantizationPlan plan)
    {
        var absolute = source.WithAbsolutePaths();
        return absolute with
        {
            Name = name,
            Id = source.Id is null ? null : source.Id + "_int8",
            Description = $"{source.Name} quantized to int8 by graft backbone quantize ({plan.Nodes.Count} nodes in int8, {plan.FloatNodes.Count} left in float32; calibrated with {MethodName(options.Quantization)} on {images} training images). Its features are a feature set of their own.",
            Origin = $"graft backbone quantize of {source.Name} (model sha256 {source.Sha256 ?? "unpinned"})",
            Model = new ModelFileSource { Path = modelFileName },
            Sha256 = sha,
            Input = source.Input with { FixedBatch = false },
            FineTune = null, // the fine-tuner trains float weights; it starts from the float backbone
            Check = null, // int8 rounding differs across instruction sets more than a float check's tolerance
            DescriptorPath = null,
        };
    }
}

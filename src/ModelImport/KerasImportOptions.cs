namespace Graft.ModelImport;

/// <summary>What <see cref="KerasImporter.Import"/> builds and where it writes it.</summary>
public sealed record KerasImportOptions
{
    public required KerasArchitecture Architecture { get; init; }

    /// <summary>Keras HDF5 weight file; null with <see cref="RandomInit"/>.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>Seeded random weights instead of a file (tests, benchmarks).</summary>
    public bool RandomInit { get; init; }

    /// <summary>Seed of <see cref="RandomInit"/>.</summary>
    public int Seed { get; init; }

    /// <summary>ONNX file to write, e.g. models/onnx/nasnet_large.onnx.</summary>
    public required string OutputPath { get; init; }

    /// <summary>Also write a backbone descriptor beside the model: same file name with .json, pinning the model's
    /// SHA-256. Named nasnet_large.onnx it replaces the shipped nasnet_large.json with a pinned copy.</summary>
    public bool WriteDescriptor { get; init; } = true;

    /// <summary>Throws <see cref="GraftException"/> for contradictory or missing options.</summary>
    public void Validate()
    {
        if (RandomInit && WeightsPath is not null)
            throw new GraftException("Both --weights and --random-init were given.", "Pass one: a Keras .h5 weight file, or --random-init --seed S.");
        if (!RandomInit && WeightsPath is null)
            throw new GraftException($"No weights given for {Architecture.Id}.",
                $"Pass --weights ~/.keras/models/{Architecture.WeightFileName}, or --random-init --seed S for a randomly initialised model.");
        if (string.IsNullOrWhiteSpace(OutputPath)) throw new GraftException("No output file given.", "Pass -o models/onnx/NAME.onnx.");
        if (!OutputPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new GraftException($"Output '{OutputPath}' should end in .onnx.", "The descriptor is written beside it with the same name and .json.");
    }
}

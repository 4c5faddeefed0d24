using System.Text.Json;
using System.Text.Json.Serialization;
using Graft.FineTuner.Storage;
using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Checkpoints;

/// <summary>
/// Per-epoch checkpoints of a fine-tuning run in one folder: <c>epoch-NNNN.bin</c> (every parameter and persistent
/// buffer of the model — BatchNorm statistics included — and the optimizer state, as a <see cref="TensorFile"/>),
/// <c>best-NNNN.bin</c> (weights of the best epoch) and <c>state.json</c> (<see cref="CheckpointState"/>), written last:
/// it names the files that belong together, so a run killed at any moment resumes from the last complete epoch.
/// Older files are deleted only after state.json stops naming them.
/// </summary>
public sealed class Checkpoint
{
    private const string StateFile = "state.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public Checkpoint(string directory)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>The last saved state, or null when the run has not completed an epoch.</summary>
    public CheckpointState? LoadState()
    {
        var path = Path.Combine(Directory, StateFile);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new GraftException($"Checkpoint '{path}' is damaged: {e.Message}", "Delete the checkpoint folder to start fine-tuning afresh.");
        }
    }

    /// <summary>Saves the model and optimizer after an epoch, the best weights when this epoch is the best, then the
    /// state; removes files no longer named.</summary>
    public CheckpointState Save(CheckpointState state, nn.Module model, ParameterOptimizer optimizer, bool isBest)
    {
        var modelFile = $"epoch-{state.LastEpoch:D4}.bin";
        TensorFile.Write(Path.Combine(Directory, modelFile), ModelArrays(model).Concat(optimizer.ExportState()));
        var bestFile = state.BestFile;
        if (isBest)
        {
            bestFile = $"best-{state.LastEpoch:D4}.bin";
            TensorFile.Write(Path.Combine(Directory, bestFile), ModelArrays(model));
        }
        var saved = state with { ModelFile = modelFile, BestFile = bestFile };
        var path = Path.Combine(Directory, StateFile);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(saved, Json));
        foreach (var old in System.IO.Directory.EnumerateFiles(Directory, "*.bin"))
        {
            var name = Path.GetFileName(old);
            if (name != modelFile && name != bestFile) File.Delete(old);
        }
        return saved;
    }

    /// <summary>Saves the weights alone as the best file of <paramref name="epoch"/> (the starting point before the first
    /// epoch); returns its name for <see cref="CheckpointState.BestFile"/>.</summary>
    public string SaveWeights(int epoch, nn.Module model)
    {
        var file = $"best-{epoch:D4}.bin";
        TensorFile.Write(Path.Combine(Directory, file), ModelArrays(model));
        return file;
    }

    /// <summary>Loads weights (and, when given, optimizer state) from a checkpoint file into the model in place.</summary>
    public void Restore(string file, nn.Module model, ParameterOptimizer? optimizer)
    {
        var arrays = TensorFile.Read(Path.Combine(Directory, file)).ToDictionary(a => a.Name, StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (name, t) in model.state_dict())
            {
                if (!arrays.TryGetValue("model:" + name, out var a) || a.Floats is null)
                    throw new GraftException($"Checkpoint '{file}' has no values for '{name}'.", "Delete the checkpoint folder to start fine-tuning afresh.");
                using var values = tensor(a.Floats, a.Shape);
                t.copy_(values);
            }
        }
        optimizer?.ImportState(arrays);
    }

    private static IEnumerable<NamedArray> ModelArrays(nn.Module model) =>
        model.state_dict().Select(kv => NamedArray.Of("model:" + kv.Key, TensorValues.Floats(kv.Value), kv.Value.shape));
}

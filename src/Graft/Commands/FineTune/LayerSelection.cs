using Graft.FeatureCache.Backbones;

namespace Graft.Cli.Commands.FineTune;

/// <summary>Folds <c>--train-top</c>, <c>--train-blocks</c> and <c>--train-stages</c> into the library's one count
/// and its unit (<see cref="Graft.FineTuner.Training.FineTuneOptions.TrainTop"/>, <c>TrainUnit</c>).</summary>
internal static class LayerSelection
{
    public static int? Top(int? layers, int? blocks, int? stages)
    {
        if (new[] { layers, blocks, stages }.Count(v => v is not null) > 1)
            throw new GraftException("Give one of --train-top, --train-blocks and --train-stages.",
                "--train-top counts layers, --train-blocks the model's blocks, --train-stages its stages (graft backbone layers shows all three).");
        return layers ?? blocks ?? stages;
    }

    public static BackboneUnit Unit(int? layers, int? blocks, int? stages) =>
        blocks is not null ? BackboneUnit.Block : stages is not null ? BackboneUnit.Stage : BackboneUnit.Layer;
}

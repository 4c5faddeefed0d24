using System.ComponentModel;
using Graft.FeatureCache.Backbones;
using Graft.ModelImport.Layers;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands.Import;

public sealed class BackboneLayersSettings : GraftSettings
{
    [CommandArgument(0, "<NAME|FILE>")]
    [Description("Backbone name, descriptor .json or .onnx file.")]
    public string Name { get; init; } = "";

    [CommandOption("--tsv")]
    [Description("Tab-separated rows (index, name, type, parameters, output shape; block and stage when the model has blocks) for scripts.")]
    public bool Tsv { get; init; }

    [CommandOption("--blocks")]
    [Description("One row per block (what --train-blocks counts) with its stage (what --train-stages counts), instead of one per layer.")]
    public bool Blocks { get; init; }
}

/// <summary><c>graft backbone layers NAME</c>: the layer list as the fine-tuner counts it, so a user sees where
/// <c>--train-top N</c> cuts.</summary>
public sealed class BackboneLayersCommand(IAnsiConsole console) : Command<BackboneLayersSettings>
{
    public override int Execute(CommandContext context, BackboneLayersSettings settings, CancellationToken cancel)
    {
        string path;
        var imageSize = 224;
        if (settings.Name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            path = ModelFileLocator.ExpandHome(settings.Name);
        }
        else
        {
            var d = BackboneCatalog.Default().Resolve(settings.Name);
            path = BackboneModelFile.Open(d).Path;
            imageSize = d.Preprocess.Width;
        }
        var list = BackboneLayerTable.Read(path, imageSize);

        var hasBlocks = list.Blocks.Count > 0;
        if (settings.Blocks && !hasBlocks)
            throw new GraftException("This model has no blocks: its node names carry no PyTorch module scopes (a CNTK or Keras export).",
                "Its layers are what --train-top counts; run without --blocks.");
        if (settings.Tsv)
        {
            var w = console.Profile.Out.Writer;
            if (settings.Blocks)
            {
                w.WriteLine("index\tname\tstage\tstage_name\tfirst_layer\tlayers\tparameters");
                foreach (var b in list.Blocks)
                    w.WriteLine($"{b.Index}\t{b.Name}\t{b.Stage}\t{list.Stages[b.Stage].Name}\t{b.FirstLayer}\t{b.LayerCount}\t{b.Values}");
                return 0;
            }
            w.WriteLine("index\tname\ttype\tparameters\toutput_shape" + (hasBlocks ? "\tblock\tstage" : ""));
            foreach (var r in list.Layers)
                w.WriteLine($"{r.Index}\t{r.Name}\t{r.Type}\t{r.Parameters}\t{r.OutputShape}"
                    + (hasBlocks ? $"\t{list.BlockOf(r.Index)}\t{list.Blocks[list.BlockOf(r.Index)].Stage}" : ""));
            return 0;
        }
        if (settings.Blocks)
        {
            var blocks = new Table().Border(TableBorder.Simple)
                .AddColumn(new TableColumn("block").RightAligned()).AddColumn("name").AddColumn("stage")
                .AddColumn(new TableColumn("layers").RightAligned()).AddColumn(new TableColumn("parameters").RightAligned());
            foreach (var b in list.Blocks)
                blocks.AddRow($"{b.Index}", Markup.Escape(b.Name), Markup.Escape($"{b.Stage} {list.Stages[b.Stage].Name}"),
                    $"{b.FirstLayer}…{b.FirstLayer + b.LayerCount - 1}", $"{b.Values:N0}");
            console.Write(blocks);
            WriteUnits(list);
            return 0;
        }
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("#").RightAligned()).AddColumn("name").AddColumn("type")
            .AddColumn(new TableColumn("parameters").RightAligned()).AddColumn("output shape");
        if (hasBlocks) table.AddColumn("block");
        foreach (var r in list.Layers)
        {
            var cells = new List<string> { $"{r.Index}", Markup.Escape(r.Name), Markup.Escape(r.Type), $"{r.Parameters:N0}", Markup.Escape(r.OutputShape) };
            // The block column names a block on its first layer only, so the grouping reads like a section heading.
            if (hasBlocks) cells.Add(list.Blocks[list.BlockOf(r.Index)] is var b && b.FirstLayer == r.Index ? Markup.Escape($"{b.Index} {b.Name}") : "");
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        var kind = list.KerasLayers ? "Keras layers (graft.layers metadata)" : "ONNX nodes (no Keras layer list in the model)";
        console.MarkupLineInterpolated($"{list.Layers.Count} {kind}, {list.TotalParameters:N0} parameters; shapes from {list.ShapeSource}.");
        if (list.UnlistedNodes.Count > 0)
            console.MarkupLineInterpolated($"[grey]after the last layer: {string.Join(", ", list.UnlistedNodes)} (the pooled output, part of the head)[/]");
        console.MarkupLineInterpolated($"[grey]--train-top N trains the last N rows: indices {list.Layers.Count} − N … {list.Layers.Count - 1}.[/]");
        if (hasBlocks) WriteUnits(list);
        return 0;
    }

    private void WriteUnits(BackboneLayerList list)
    {
        var stages = string.Join(", ", list.Stages.Select(s => $"{s.Name} ({s.BlockCount})"));
        console.MarkupLineInterpolated($"{list.Blocks.Count} blocks in {list.Stages.Count} stages (from the PyTorch module names): {stages}");
        var last = list.Stages[^1];
        console.MarkupLineInterpolated($"[grey]--train-blocks N trains the last N blocks; --train-stages 1 trains the last stage, {last.Name}: layers {last.FirstLayer} … {list.Layers.Count - 1}.[/]");
    }
}

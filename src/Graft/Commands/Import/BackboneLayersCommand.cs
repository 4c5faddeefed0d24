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
    [Description("Tab-separated rows (index, name, type, parameters, output shape) for scripts.")]
    public bool Tsv { get; init; }
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

        if (settings.Tsv)
        {
            var w = console.Profile.Out.Writer;
            w.WriteLine("index\tname\ttype\tparameters\toutput_shape");
            foreach (var r in list.Layers) w.WriteLine($"{r.Index}\t{r.Name}\t{r.Type}\t{r.Parameters}\t{r.OutputShape}");
            return 0;
        }
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("#").RightAligned()).AddColumn("name").AddColumn("type")
            .AddColumn(new TableColumn("parameters").RightAligned()).AddColumn("output shape");
        foreach (var r in list.Layers)
            table.AddRow($"{r.Index}", Markup.Escape(r.Name), Markup.Escape(r.Type), $"{r.Parameters:N0}", Markup.Escape(r.OutputShape));
        console.Write(table);
        var kind = list.KerasLayers ? "Keras layers (graft.layers metadata)" : "ONNX nodes (no Keras layer list in the model)";
        console.MarkupLineInterpolated($"{list.Layers.Count} {kind}, {list.TotalParameters:N0} parameters; shapes from {list.ShapeSource}.");
        if (list.UnlistedNodes.Count > 0)
            console.MarkupLineInterpolated($"[grey]after the last layer: {string.Join(", ", list.UnlistedNodes)} (the pooled output, part of the head)[/]");
        console.MarkupLineInterpolated($"[grey]--train-top N trains the last N rows: indices {list.Layers.Count} − N … {list.Layers.Count - 1}.[/]");
        return 0;
    }
}

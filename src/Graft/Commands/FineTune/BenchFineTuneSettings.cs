using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands.FineTune;

public sealed class BenchFineTuneSettings : BackboneSettings
{
    [CommandOption("--train-from <LAYER>")]
    [Description("First trainable layer. Default: the descriptor's fineTune cut, for ResNet18 its last stage.")]
    public string? TrainFrom { get; init; }

    [CommandOption("--train-top <N>")]
    public int? TrainTop { get; init; }

    [CommandOption("--images <N>")]
    [Description("Training images per epoch (the first N of the train split). Default 96.")]
    [DefaultValue(96)]
    public int Images { get; init; } = 96;

    [CommandOption("--batch-size <N>")]
    [DefaultValue(32)]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--epochs <N>")]
    [Description("Rounds of one epoch per mode, alternating; the fastest epoch of each mode counts. Default 2.")]
    [DefaultValue(2)]
    public int Epochs { get; init; } = 2;

    [CommandOption("--steps <N>")]
    [Description("Timed training steps for the throughput figures (the fastest counts). Default 4.")]
    [DefaultValue(4)]
    public int Steps { get; init; } = 4;

    [CommandOption("--threads <N>")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--device <DEVICE>")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    [CommandOption("--pytorch <FILE.json>")]
    [Description("The JSON line bench/finetune_pytorch.py printed, shown beside TorchSharp's figures.")]
    public string? PyTorch { get; init; }

    [CommandOption("--json")]
    public bool Json { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data PATH is required (labelled photos to train on).") : ValidationResult.Success();
}

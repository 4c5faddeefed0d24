#!/usr/bin/python3
"""Generates the small torchvision ONNX fixtures the converter parity tests use (random weights, seeded).

Run offline with Debian's packages (the product never needs Python):
    apt-get install -y python3-torch python3-torchvision python3-onnx
    /usr/bin/python3 tests/FineTuner.Tests/Fixtures/make_fixtures.py
Checked in: this script and the .onnx files it writes (each well under 1 MB).

- mobilenet_v2_w025.onnx: torchvision mobilenet_v2(width_mult=0.25, num_classes=10) with the last
  1x1 conv at 320 instead of 1280 channels, 96x96 input. Exported with
  TrainingMode.PRESERVE from eval mode, so BatchNormalization stays a node (not folded into Conv) - the form a
  fine-tuner needs - and ReLU6 becomes Clip. Ops: Conv (groups, bias-free), BatchNormalization, Clip, Add,
  GlobalAveragePool, Flatten, Gemm.
- googlenet_small.onnx: torchvision GoogLeNet with every channel count divided by 8 (a custom conv block and
  inception block; the architecture is otherwise torchvision's), 10 classes, 64x64 input. Ops: Conv, BatchNormalization
  (eps 1e-3), Relu, MaxPool with ceil_mode=1 (and pads), Concat, GlobalAveragePool, Flatten, Gemm.
BatchNorm running statistics are randomised so inference BN is not the identity.
"""
import os
import torch
import torchvision
from torchvision.models.googlenet import BasicConv2d, Inception, InceptionAux

HERE = os.path.dirname(os.path.abspath(__file__))
DIV = 8


def randomise_bn(model, gen):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)


class SmallConv(BasicConv2d):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__(in_channels if in_channels == 3 else in_channels // DIV, out_channels // DIV, **kwargs)


class SmallInception(Inception):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, conv_block=None):
        super().__init__(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, conv_block=SmallConv)


def export(model, name, size):
    model.eval()
    x = torch.randn(1, 3, size, size)
    path = os.path.join(HERE, name)
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"], opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    print(name, os.path.getsize(path), "bytes")


def main():
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    mobilenet = torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10)
    # torchvision keeps the last 1x1 conv at 1280 channels whatever the width; 320 keeps the file under 1 MB.
    last_in = mobilenet.features[-1][0].in_channels
    mobilenet.features[-1] = torchvision.ops.Conv2dNormActivation(last_in, 320, kernel_size=1, norm_layer=torch.nn.BatchNorm2d,
                                                                  activation_layer=torch.nn.ReLU6)
    mobilenet.classifier[1] = torch.nn.Linear(320, 10)
    randomise_bn(mobilenet, gen)
    export(mobilenet, "mobilenet_v2_w025.onnx", 96)

    googlenet = torchvision.models.GoogLeNet(num_classes=10, aux_logits=False, transform_input=False, init_weights=True,
                                             blocks=[SmallConv, SmallInception, InceptionAux])
    googlenet.fc = torch.nn.Linear(1024 // DIV, 10)
    randomise_bn(googlenet, gen)
    export(googlenet, "googlenet_small.onnx", 64)


if __name__ == "__main__":
    with torch.no_grad():
        main()

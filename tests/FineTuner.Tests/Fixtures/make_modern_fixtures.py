#!/usr/bin/python3
"""Generates small ONNX exports of modern torchvision backbones for the converter's architecture tests
(random weights, seeded), and on request the full-size models for the benchmark.

Run offline with Debian's packages (the product never needs Python):
    apt-get install -y python3-torch python3-torchvision python3-onnx
    /usr/bin/python3 tests/FineTuner.Tests/Fixtures/make_modern_fixtures.py            # the checked-in small files
    /usr/bin/python3 tests/FineTuner.Tests/Fixtures/make_modern_fixtures.py --full DIR # full size, 224x224, into DIR

Each small model keeps its family's real block structure, operators and module names (so the block detection sees
what it sees in a user's export) and shrinks width, depth and resolution:

| file                    | torchvision builder, reduced                                             | opset | input |
|-------------------------|--------------------------------------------------------------------------|-------|-------|
| efficientnet_b0_s.onnx  | EfficientNet-B0 settings, width_mult 0.25, depth_mult 0.5                | 13    | 64    |
| mobilenet_v3_large_s.onnx | MobileNetV3-Large settings (all 15 blocks, SE, hardswish), width 0.25 | 13    | 64    |
| regnet_y_s.onnx         | RegNetY (SE 0.25) from BlockParams(depth 6, w_0 8, w_a 8, w_m 2, g 8)    | 13    | 64    |
| densenet121_s.onnx      | DenseNet growth 16, blocks (2,3,4,2), init 32, bn_size 4                 | 13    | 64    |
| convnext_tiny_s.onnx    | ConvNeXt stages (8,16,32,64) x depths (1,1,2,1), layer scale random      | 17    | 64    |
| vit_b_16_s.onnx         | ViT patch 16, 2 layers, hidden 32, 4 heads, mlp 64, image 64             | 17    | 64    |
| swin_t_s.onnx           | Swin patch 4, embed 8, depths (2,2,2,2), heads (1,2,4,8), window 4       | 17    | 128   |

Opset 13 for the CNNs (what most exports in the wild use); 17 for the models with LayerNorm, where torch exports
LayerNormalization as one node. All exports: eval mode, TrainingMode.PRESERVE (BatchNormalization stays a node, as a
fine-tuner needs), constant folding on, dynamic batch axis. Normalisation statistics, LayerNorm affine terms, layer
scales, class tokens and position biases are randomised so that none of them is an identity at inference.
Full size (--full): efficientnet_b0, mobilenet_v3_large, regnet_y_400mf, densenet121, convnext_tiny, vit_b_16, swin_t,
weights=None, 1000 classes, 224x224, the same opsets.
"""
import argparse
import os
import torch
import torchvision
from torchvision.models import efficientnet, mobilenetv3, regnet, densenet, convnext, vision_transformer, swin_transformer

HERE = os.path.dirname(os.path.abspath(__file__))


def randomise(model, gen):
    """Moves every statistic and affine term away from its identity initialisation (seeded)."""
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
        if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
        # torchvision zeroes conv and linear biases at init; the exporter then merges equal-valued initializers into one
        # (tied through Identity nodes), which trained weights never are.
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)) and m.bias is not None:
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
        # ViT zero-initialises its classifier, which would stop every gradient of the first training step.
        if isinstance(m, torch.nn.Linear) and not m.weight.data.any():
            m.weight.data.copy_(torch.randn(m.weight.shape, generator=gen) * 0.1)
    for name, p in model.named_parameters():
        leaf = name.rsplit(".", 1)[-1]
        if leaf == "layer_scale":  # ConvNeXt: 1e-6 at init would make every block the identity
            p.data.copy_(torch.rand(p.shape, generator=gen) * 0.5 + 0.5)
        elif leaf in ("class_token", "relative_position_bias_table"):
            p.data.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        elif leaf == "in_proj_bias":
            p.data.copy_(torch.randn(p.shape, generator=gen) * 0.1)


def small_models():
    """(file name, model, input size, opset) for the checked-in fixtures."""
    settings, _ = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.5)
    yield "efficientnet_b0_s.onnx", efficientnet.EfficientNet(settings, dropout=0.2, num_classes=10), 64, 13

    settings, last = mobilenetv3._mobilenet_v3_conf("mobilenet_v3_large", width_mult=0.25)
    yield "mobilenet_v3_large_s.onnx", mobilenetv3.MobileNetV3(settings, last, num_classes=10), 64, 13

    params = regnet.BlockParams.from_init_params(depth=6, w_0=8, w_a=8.0, w_m=2.0, group_width=8, se_ratio=0.25)
    yield "regnet_y_s.onnx", regnet.RegNet(params, num_classes=10, stem_width=8), 64, 13

    yield "densenet121_s.onnx", densenet.DenseNet(growth_rate=16, block_config=(2, 3, 4, 2), num_init_features=32, bn_size=4,
                                                  num_classes=10), 64, 13

    cn = convnext.CNBlockConfig
    yield "convnext_tiny_s.onnx", convnext.ConvNeXt([cn(8, 16, 1), cn(16, 32, 1), cn(32, 64, 2), cn(64, None, 1)],
                                                    num_classes=10), 64, 17

    yield "vit_b_16_s.onnx", vision_transformer.VisionTransformer(image_size=64, patch_size=16, num_layers=2, num_heads=4,
                                                                  hidden_dim=32, mlp_dim=64, num_classes=10), 64, 17

    yield "swin_t_s.onnx", swin_transformer.SwinTransformer(patch_size=[4, 4], embed_dim=8, depths=[2, 2, 2, 2],
                                                            num_heads=[1, 2, 4, 8], window_size=[4, 4],
                                                            stochastic_depth_prob=0.0, num_classes=10), 128, 17


def full_models():
    m = torchvision.models
    yield "efficientnet_b0.onnx", m.efficientnet_b0(weights=None), 224, 13
    yield "mobilenet_v3_large.onnx", m.mobilenet_v3_large(weights=None), 224, 13
    yield "regnet_y_400mf.onnx", m.regnet_y_400mf(weights=None), 224, 13
    yield "densenet121.onnx", m.densenet121(weights=None), 224, 13
    yield "convnext_tiny.onnx", m.convnext_tiny(weights=None), 224, 17
    yield "vit_b_16.onnx", m.vit_b_16(weights=None), 224, 17
    yield "swin_t.onnx", m.swin_t(weights=None), 224, 17


def export(model, path, size, opset):
    model.eval()
    x = torch.randn(1, 3, size, size)
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"], opset_version=opset,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    params = sum(p.numel() for p in model.parameters())
    print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes, {params} parameters, opset {opset}, {size}x{size}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", metavar="DIR", help="export the full-size models (benchmark) into DIR instead")
    parser.add_argument("--only", metavar="NAME", help="export only files whose name starts with NAME")
    args = parser.parse_args()
    folder = args.full or HERE
    os.makedirs(folder, exist_ok=True)
    # Seeded per model (before it is built: the generators below build lazily), so --only reproduces the same file.
    torch.manual_seed(1234)
    for i, (name, model, size, opset) in enumerate(full_models() if args.full else small_models()):
        if not args.only or name.startswith(args.only):
            if not args.full:
                randomise(model, torch.Generator().manual_seed(99 + i))
            export(model, os.path.join(folder, name), size, opset)
        torch.manual_seed(1234 + i + 1)


if __name__ == "__main__":
    main()

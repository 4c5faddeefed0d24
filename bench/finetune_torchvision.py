#!/usr/bin/python3
"""Offline yardstick for `graft finetune`: the same fine-tuning recipe in plain PyTorch + torchvision transforms.

Not part of the product or its tests. It trains exactly Graft's network - ML.NET's ResNet18 (CNTK export) executed node
by node by the ONNX interpreter of bench/finetune_pytorch.py, the head from a `graft train-head --head mlp`
run - on exactly the run's train/validation/test rows (the cache manifest, plus the run's seeded hold-out if it used one).
Run with Debian's PyTorch:

    apt-get install -y python3-torch python3-torchvision python3-onnx python3-pil
    graft precompute --data DATASET --cache CACHE && graft train-head --cache CACHE --head mlp --seed 1 --out RUN
    /usr/bin/python3 bench/finetune_torchvision.py --run RUN --train-top 15 --epochs 5 --seed 1 --threads 2
    graft features export --cache CACHE --out FEAT && /usr/bin/python3 bench/finetune_torchvision.py --run RUN --parity FEAT

Recipe (the flags' defaults): the top N ONNX nodes train (one layer per node, as Graft counts a model without a Keras
layer list), BatchNorm always in inference mode, dropout 0.5 before the head's last layer, AdamW (0.9/0.999, eps 1e-7,
decoupled weight decay 0.01), peak rates head 1e-3 / backbone 1e-4, per-step linear warm-up over 10% of the steps then
cosine to 0, batch 32 (a last batch of one image dropped), cross-entropy, augmentation RandomResizedCrop(224, scale
0.6-1, ratio 3/4-4/3) + horizontal flip on the decoded image. Model selection: lowest validation loss, the starting
weights (epoch 0) included; early stop after --patience epochs without a lower one (0, the default as in Graft, runs every epoch).
Prints per-epoch lines, head-only (epoch 0) and fine-tuned accuracy / log loss on the test split (else on a validation
split the hold-out run left unused, else - flagged as biased - on the selection split), then one JSON line.
--parity FEAT instead compares this preprocessing + forward with Graft's cached features (max abs difference).
"""
import argparse
import glob
import json
import math
import os
import random
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from finetune_pytorch import OnnxGraph, attrs, boundary_of  # noqa: E402  (one owner of the ONNX-to-PyTorch interpreter)

MODELS = os.path.join(os.environ.get("NUGET_PACKAGES", os.path.expanduser("~/.nuget/packages")),
                      "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels")
ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--run", required=True, help="graft train-head --head mlp output folder")
ap.add_argument("--cache", help="feature cache (default: the run's)")
ap.add_argument("--data", help="dataset root (default: the manifest's)")
ap.add_argument("--model", default=os.path.join(MODELS, "ResNet18Onnx", "ResNet18.onnx"))
ap.add_argument("--mean-image", default=os.path.join(MODELS, "ResNetPrepOnnx", "ResNetPreprocess.onnx"))
for flag, default, what in [
        ("--train-top", 15, "top N ONNX nodes train"), ("--epochs", 5, ""), ("--seed", 1, ""), ("--batch", 32, ""),
        ("--lr", 1e-3, "peak head rate"), ("--backbone-lr-mult", 0.1, ""), ("--weight-decay", 0.01, "AdamW, decoupled"),
        ("--warmup", 0.1, "fraction of all steps"), ("--label-smoothing", 0.0, "training loss only"),
        ("--crop-scale", 0.6, "RandomResizedCrop area lower bound"), ("--patience", 0, "0: never stop early (Graft's default)"),
        ("--threads", 0, "0: torch's default"), ("--parity-count", 8, "")]:
    ap.add_argument(flag, type=type(default), default=default, help=what or None)
ap.add_argument("--augment", choices=["standard", "none"], default="standard")
ap.add_argument("--parity", metavar="FEAT", help="graft features export folder: compare features, then exit")
args = ap.parse_args()
torch.manual_seed(args.seed)  # also drives the torchvision transforms' draws and the epoch order
np.random.seed(args.seed)
random.seed(args.seed)
if args.threads:
    torch.set_num_threads(args.threads)

# --- rows: the cache manifest's ids, splits and labels, as the run used them --------------------------------------------
config = json.load(open(os.path.join(args.run, "config.json")))
set_dir = os.path.join(args.cache or config["cache"], "sets", config["feature_set_id"])
items = [i for f in sorted(glob.glob(os.path.join(set_dir, "manifest-*-of-*.json")))
         for i in json.load(open(f))["items"] if not i.get("skipped")]
root = args.data or json.load(open(glob.glob(os.path.join(set_dir, "manifest-*-of-*.json"))[0]))["datasetRoot"]
if os.path.isfile(root):  # a CSV manifest: its paths are relative to its folder
    root = os.path.dirname(root)
rows = {s: [(os.path.join(root, i["id"]), i["label"], i["id"]) for i in items if i["split"] == s]
        for s in ("train", "validation", "test")}
if missing := [r[0] for split in rows.values() for r in split if not os.path.isfile(r[0])]:
    sys.exit(f"{len(missing)} images are not files, e.g. {missing[0]}: pass --data; records inside containers (IDX) are not supported")


def dotnet_shuffle(items, seed):
    """Fisher-Yates driven by System.Random(seed), .NET's seeded (Knuth subtractive) generator, as Graft's hold-out."""
    big, s = 2**31 - 1, [0] * 56
    mj = 161803398 - (big if seed == -2**31 else abs(seed))
    s[55], mk, ii = mj, 1, 0
    for _ in range(54):
        ii = (ii + 21) % 55
        s[ii], mk, mj = mk, mj - mk, mk
        mk += big if mk < 0 else 0
    for _ in range(4):
        for i in range(1, 56):
            s[i] = (s[i] - s[1 + (i + 30) % 55] + 2**31) % 2**32 - 2**31  # C# int arithmetic wraps
            s[i] += big if s[i] < 0 else 0
    a, b = 0, 21
    for i in range(len(items) - 1, 0, -1):
        a, b = a % 55 + 1, b % 55 + 1
        v = s[a] - s[b]
        s[a] = v = v - 1 if v == big else v + (big if v < 0 else 0)
        j = int(v * (1.0 / big) * (i + 1))  # Next(i + 1) = (int)(Sample() * (i + 1)), in .NET's floating-point order
        items[i], items[j] = items[j], items[i]


source = config["splits"]["validation_source"]
if source["kind"] == "hold-out":  # src/HeadTrainer/Training/StratifiedHoldOut.cs; the cache's validation split goes unused
    seed = config["seed"] if source.get("seed") is None else source["seed"]
    seed = ((seed & 0xFFFFFFFF) ^ ((seed >> 32) & 0xFFFFFFFF) ^ 2**31) - 2**31
    held = set()
    for label in sorted({r[1] for r in rows["train"]}):
        ids = sorted(r[2] for r in rows["train"] if r[1] == label)
        dotnet_shuffle(ids, seed)  # a fresh generator per class
        held.update(ids[:min(int(len(ids) * (source.get("fraction") or 0.1) + 0.5), len(ids) - 1)])
    unused = rows["validation"]
    rows["validation"] = [r for r in rows["train"] if r[2] in held]
    rows["train"] = [r for r in rows["train"] if r[2] not in held]
    assert len(rows["validation"]) == source["count"], "hold-out differs from the run's"
else:
    unused = []
report_name, report = next(((n, r) for n, r in (("test", rows["test"]), ("validation (unused by the hold-out run)", unused),
                                                 ("validation - also the selection split, so biased", rows["validation"])) if r))

# --- preprocessing: EXIF orientation, RGB, shorter side to 224 (PIL's antialiased bilinear ~ ImageSharp's Triangle),
# centre 224x224, BGR 0..255 minus the CNTK mean image (models/onnx/resnet18.json) ------------------------------------
mean_image = torch.from_numpy(onnx.numpy_helper.to_array(
    next(t for t in onnx.load(args.mean_image).graph.initializer if t.name == "MeanImage")).astype(np.float32)[0])
plain = transforms.Compose([transforms.Resize(224), transforms.CenterCrop(224)])
augment = transforms.Compose([transforms.RandomResizedCrop(224, scale=(args.crop_scale, 1.0), ratio=(3 / 4, 4 / 3)),
                              transforms.RandomHorizontalFlip()]) if args.augment == "standard" else plain


def tensor(path, transform):
    with Image.open(path) as im:
        image = ImageOps.exif_transpose(im).convert("RGB")
    bgr = np.asarray(transform(image), dtype=np.float32)[:, :, ::-1].transpose(2, 0, 1)
    return torch.from_numpy(bgr.copy()) - mean_image


# --- model: backbone (top N nodes trainable) + the run's dense head --------------------------------------------------
model = onnx.load(args.model)
nodes = model.graph.node
first = nodes[min(max(len(nodes) - args.train_top, 0), len(nodes) - 1)].name
net = OnnxGraph(model, first)
if args.train_top <= 0:
    net.requires_grad_(False)
net.eval()  # BatchNorm in inference mode for good (the interpreter uses batch statistics only in training mode)
boundary = boundary_of(net)  # activations entering the trainable top: fixed for a fixed image, so cacheable


class Head(torch.nn.Module):
    """Dense layers of RUN/head.onnx (Gemm, or MatMul + Add; Relu after any), dropout before the last."""

    def __init__(self, path, dropout):
        super().__init__()
        graph = onnx.load(path).graph
        init = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
        self.layers, self.relu, self.dropout = torch.nn.ModuleList(), [], torch.nn.Dropout(dropout)
        for n in graph.node:
            if n.op_type in ("Gemm", "MatMul"):
                w = init[n.input[1]].T if attrs(n).get("transB", 0) else init[n.input[1]]  # kernel [in, out]
                self.layers.append(torch.nn.Linear(*w.shape)), self.relu.append(False)
                self.layers[-1].weight.data = torch.tensor(w.T.copy())
                self.layers[-1].bias.data = torch.tensor(init[n.input[2]] if len(n.input) > 2 else np.zeros(w.shape[1], np.float32))
            elif n.op_type == "Add" and n.input[1] in init:
                self.layers[-1].bias.data = torch.tensor(init[n.input[1]])
            elif n.op_type == "Relu":
                self.relu[-1] = True

    def forward(self, x):
        for i, (layer, relu) in enumerate(zip(self.layers, self.relu)):
            x = layer(self.dropout(x) if i == len(self.layers) - 1 else x)
            x = F.relu(x) if relu else x
        return x


head = Head(os.path.join(args.run, "head.onnx"), (config.get("mlp") or {}).get("dropout", 0.0))


def features(batch, transform, cache=None):
    """Pooled backbone features of rows; with a cache (fixed preprocessing) the frozen prefix runs once per image."""
    if cache is None:
        return net.run({net.input: torch.stack([tensor(p, transform) for p, _, _ in batch])}, [net.output])[0].flatten(1)
    missing = [r for r in batch if r[2] not in cache]
    if missing:
        with torch.no_grad():
            acts = net.run({net.input: torch.stack([tensor(p, transform) for p, _, _ in missing])}, boundary)
        cache.update({r[2]: [a[k] for a in acts] for k, r in enumerate(missing)})
    feeds = {name: torch.stack([cache[r[2]][j] for r in batch]) for j, name in enumerate(boundary)}
    return net.run(feeds, [net.output])[0].flatten(1)


if args.parity:  # preprocessing + forward against Graft's cached features (PIL vs ImageSharp decode/resize: close, not equal)
    worst = 0.0
    for split in (s for s in ("train", "validation", "test") if os.path.exists(f"{args.parity}/ids_{s}.txt")):
        ids = open(f"{args.parity}/ids_{split}.txt").read().splitlines()[:args.parity_count]
        ref = np.load(f"{args.parity}/features_{split}.npy")[:len(ids)]
        with torch.no_grad():
            ours = features([(os.path.join(root, i), 0, i) for i in ids], plain).numpy()
        worst = max(worst, np.abs(ours - ref).max())
        print(f"{split}: {len(ids)} images, max |ours - graft| {np.abs(ours - ref).max():.4g} (features: max {np.abs(ref).max():.3g}, "
              f"mean {np.abs(ref).mean():.3g}); relative L2 {np.linalg.norm(ours - ref) / np.linalg.norm(ref):.2e}")
    print(json.dumps({"parity_max_abs_diff": float(worst)}))
    sys.exit()


def evaluate(data, cache):
    """Mean log loss (plain cross-entropy) and accuracy; plain preprocessing, dropout off."""
    head.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for b in range(0, len(data), 64):
            y = torch.tensor([label for _, label, _ in data[b:b + 64]])
            logits = head(features(data[b:b + 64], plain, cache))
            loss += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
    return loss / len(data), correct / len(data)


tuned_backbone = [p for p in net.parameters() if p.requires_grad]
params = list(head.parameters()) + tuned_backbone
groups = [{"params": list(head.parameters()), "peak": args.lr}, {"params": tuned_backbone, "peak": args.lr * args.backbone_lr_mult}]
opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=args.lr, betas=(0.9, 0.999), eps=1e-7, weight_decay=args.weight_decay)
train, cache = rows["train"], {}  # one boundary cache for every un-augmented image (ids are unique across splits)
steps = math.ceil(len(train) / args.batch) - (1 if len(train) % args.batch == 1 and len(train) > args.batch else 0)
total = steps * args.epochs
warm = min(round(args.warmup * total), total - 1)


def rate(step):  # Graft's LearningRateSchedule: (s+1)/warm of the peak while warming up, then cosine to 0
    return (step + 1) / warm if step < warm else 0.5 * (1 + math.cos(math.pi * (step - warm) / (total - warm)))


print(f"train {len(train)}, validation {len(rows['validation'])} ({source['kind']}), report: {report_name} {len(report)}; "
      f"top {args.train_top} of {len(nodes)} nodes{' from ' + first if tuned_backbone else ''}: "
      f"{sum(p.numel() for p in tuned_backbone):,} "
      f"backbone weights train; {steps} steps/epoch, warm-up {warm}; torch {torch.__version__}, {torch.get_num_threads()} threads")
start = clock = time.perf_counter()
val_loss, val_acc = evaluate(rows["validation"], cache)
epochs = [{"epoch": 0, "val_loss": val_loss, "val_accuracy": val_acc, "seconds": time.perf_counter() - clock}]
print(f"epoch 0 (head only): val_loss {val_loss:.4f} val_acc {val_acc:.4f} ({epochs[0]['seconds']:.1f} s, fills the boundary cache)")
head_only = evaluate(report, cache)
best, best_epoch, since = [p.detach().clone() for p in params], 0, 0
for epoch in range(1, args.epochs + 1):
    clock = time.perf_counter()
    order = torch.randperm(len(train)).tolist()
    loss_sum, correct, seen = 0.0, 0, 0
    head.train()
    for b in range(steps):
        batch = [train[i] for i in order[b * args.batch:(b + 1) * args.batch]]
        y = torch.tensor([label for _, label, _ in batch])
        for g in opt.param_groups:
            g["lr"] = g["peak"] * rate((epoch - 1) * steps + b)
        logits = head(features(batch, augment, cache if args.augment == "none" else None))
        loss = F.cross_entropy(logits, y, label_smoothing=args.label_smoothing)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_sum, correct, seen = loss_sum + loss.item() * len(batch), correct + (logits.argmax(1) == y).sum().item(), seen + len(batch)
    train_s = time.perf_counter() - clock
    val_loss, val_acc = evaluate(rows["validation"], cache)
    epochs.append({"epoch": epoch, "loss": loss_sum / seen, "accuracy": correct / seen, "val_loss": val_loss, "val_accuracy": val_acc,
                   "lr": opt.param_groups[0]["lr"], "train_s": train_s, "seconds": time.perf_counter() - clock})
    print(f"epoch {epoch}: loss {loss_sum / seen:.4f} acc {correct / seen:.4f} val_loss {val_loss:.4f} val_acc {val_acc:.4f} "
          f"lr {epochs[-1]['lr']:.2e} ({train_s:.1f} s train, {epochs[-1]['seconds']:.1f} s with validation)")
    if val_loss < epochs[best_epoch]["val_loss"]:
        best, best_epoch, since = [p.detach().clone() for p in params], epoch, 0
    else:
        since += 1
        if args.patience and since >= args.patience:
            print(f"early stop: {since} epochs without a lower val_loss")
            break

with torch.no_grad():
    for p, v in zip(params, best):
        p.copy_(v)
tuned = evaluate(report, cache)
wall, tuning = time.perf_counter() - start, [r["seconds"] for r in epochs[1:]]
print(f"selected epoch {best_epoch} (lowest val_loss {epochs[best_epoch]['val_loss']:.4f}; epoch 0 = head only)")
print(f"{report_name}: head only accuracy {head_only[1]:.4f} log loss {head_only[0]:.4f} -> "
      f"fine-tuned accuracy {tuned[1]:.4f} log loss {tuned[0]:.4f}")
print(f"wall time {wall:.1f} s; {sum(tuning) / max(1, len(tuning)):.1f} s per fine-tuning epoch with validation")
print(json.dumps({"engine": f"pytorch {torch.__version__}", "threads": torch.get_num_threads(), "run": args.run,
                  "train_top": args.train_top, "augment": args.augment, "seed": args.seed, "report_split": report_name,
                  "report_count": len(report), "head_only": {"accuracy": head_only[1], "log_loss": head_only[0]},
                  "fine_tuned": {"accuracy": tuned[1], "log_loss": tuned[0]}, "selected_epoch": best_epoch,
                  "epochs": epochs, "wall_s": round(wall, 1)}))

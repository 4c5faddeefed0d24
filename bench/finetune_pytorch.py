#!/usr/bin/python3
"""PyTorch reference for `graft bench finetune`: training-step throughput on the same model and batch.

Offline, with Debian's PyTorch 1.13 (apt-get install -y python3-torch python3-onnx; run with /usr/bin/python3).
It executes the same ONNX graph node by node in PyTorch - the way Graft's converter does in TorchSharp - so both sides
train exactly the same network: ML.NET's ResNet18 (CNTK export) with every layer from --train-from on trainable,
frozen BatchNorm in inference mode, a linear head 512 -> 2, cross-entropy, Adam, batch --batch, 224x224 inputs.

    /usr/bin/python3 finetune_pytorch.py ~/.nuget/packages/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx
    prints one JSON line: {"full_step_images_per_s": ..., "top_step_images_per_s": ..., ...}

full = whole network forward (frozen prefix without gradient) + backward through the trainable part + Adam step;
top  = the same step starting from the activations at the freeze boundary (what the boundary cache feeds).
"""
import argparse
import json
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class OnnxGraph(torch.nn.Module):
    def __init__(self, model, train_from):
        super().__init__()
        g = model.graph
        self.nodes = list(g.node)
        inits = {t.name: onnx.numpy_helper.to_array(t) for t in g.initializer}
        stats = {n.input[i] for n in self.nodes if n.op_type == "BatchNormalization" for i in (3, 4)}
        self.names = {}
        start = next(i for i, n in enumerate(self.nodes) if n.name == train_from)
        self.trainable = [i >= start for i in range(len(self.nodes))]
        owner = {}
        for i, n in enumerate(self.nodes):
            for x in n.input:
                owner.setdefault(x, i)
        for k, v in inits.items():
            name = "w_" + "".join(c if c.isalnum() else "_" for c in k)
            self.names[k] = name
            t = torch.from_numpy(np.array(v, dtype=np.float32))
            if k in stats:
                self.register_buffer(name, t)
            else:
                self.register_parameter(name, torch.nn.Parameter(t, requires_grad=self.trainable[owner.get(k, 0)]))
        self.input = next(i.name for i in g.input if i.name not in inits)
        self.output = g.output[0].name

    def w(self, name):
        return getattr(self, self.names[name])

    def run(self, feeds, outputs):
        values = dict(feeds)
        for i, n in enumerate(self.nodes):
            if all(o in values for o in n.output):
                continue
            if any(x not in values and x not in self.names for x in n.input if x):
                continue
            ins = [values[x] if x in values else self.w(x) for x in n.input if x]
            a = attrs(n)
            train = self.training and self.trainable[i]
            op = n.op_type
            if op == "Conv":
                p = a.get("pads", [0, 0, 0, 0])
                x = ins[0]
                if p[0] != p[2] or p[1] != p[3]:
                    x = F.pad(x, [p[1], p[3], p[0], p[2]])
                    p = [0, 0, 0, 0]
                y = F.conv2d(x, ins[1], ins[2] if len(ins) > 2 else None, a.get("strides", [1, 1]), (p[0], p[1]),
                             a.get("dilations", [1, 1]), a.get("group", 1))
            elif op == "BatchNormalization":
                y = F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], train, 1 - a.get("momentum", 0.9), a.get("epsilon", 1e-5))
            elif op == "Relu":
                y = F.relu(ins[0])
            elif op == "Add":
                y = ins[0] + ins[1]
            elif op == "MaxPool":
                p = a.get("pads", [0, 0, 0, 0])
                x = F.pad(ins[0], [p[1], p[3], p[0], p[2]], value=float("-inf"))
                y = F.max_pool2d(x, a["kernel_shape"], a.get("strides", [1, 1]))
            elif op == "AveragePool":
                y = F.avg_pool2d(ins[0], a["kernel_shape"], a.get("strides", [1, 1]))
            else:
                raise NotImplementedError(op)
            values[n.output[0]] = y
        return [values[o] for o in outputs]


def boundary_of(net):
    produced = {}
    for i, n in enumerate(net.nodes):
        for o in n.output:
            produced[o] = i
    names = []
    for i, n in enumerate(net.nodes):
        if net.trainable[i]:
            for x in n.input:
                if x in produced and not net.trainable[produced[x]] and x not in names:
                    names.append(x)
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--train-from", default="Convolution359")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    net = OnnxGraph(onnx.load(args.model), args.train_from)
    head = torch.nn.Linear(512, 2)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam([{"params": params, "lr": 1e-5}, {"params": head.parameters(), "lr": 1e-4}], eps=1e-7)
    images = torch.randn(args.batch, 3, 224, 224)
    labels = torch.randint(0, 2, (args.batch,))
    names = boundary_of(net)
    with torch.no_grad():
        net.eval()
        boundary = net.run({net.input: images}, names)

    def measure(feeds):
        net.train()

        def step():
            out = net.run(feeds, [net.output])[0]
            loss = F.cross_entropy(head(out.reshape(out.shape[0], -1)), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()

        step()
        fastest = float("inf")
        for _ in range(args.steps):
            t = time.perf_counter()
            step()
            fastest = min(fastest, time.perf_counter() - t)
        return args.batch / fastest  # the fastest step, as graft bench finetune measures: robust to other load

    full = measure({net.input: images})
    top = measure(dict(zip(names, boundary)))
    print(json.dumps({"engine": f"pytorch {torch.__version__}", "threads": torch.get_num_threads(), "batch": args.batch,
                      "train_from": args.train_from, "boundary": names,
                      "full_step_images_per_s": round(full, 2), "top_step_images_per_s": round(top, 2)}))


if __name__ == "__main__":
    main()

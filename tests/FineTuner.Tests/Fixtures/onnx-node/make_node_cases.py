#!/usr/bin/python3
"""Copies ONNX's own per-operator node tests for the operators the fine-tuner's converter claims into this folder.

Run offline with Debian's python3-onnx (1.12; the product never needs Python):
    apt-get install -y python3-onnx
    /usr/bin/python3 tests/FineTuner.Tests/Fixtures/onnx-node/make_node_cases.py

The cases come from ONNX's generators (onnx/backend/test/case/node/*.py — the same code behind
`python3 -m onnx.backend.test.cmd_tools generate-data`, which fails as is under Debian's numpy 1.24 because the
generators still use the removed np.float/np.int/np.bool aliases; they are restored below). Each case is a folder
<case>/model.onnx + test_data_set_0/input_i.pb, output_i.pb. A case is kept when every operator of its graph is
claimed (CLAIMED must list every operator OpFactory registers: OnnxNodeConformanceTests checks that against
claimed.txt). Cases larger than MAX_CASE_BYTES are dropped (listed in skipped.txt) to keep the checked-in tree small.
"""
import os
import shutil
import sys

import numpy as np

# Debian numpy 1.24 removed these aliases; ONNX 1.12's generators still use them.
for alias, value in (("float", float), ("int", int), ("bool", bool), ("object", object)):
    if not hasattr(np, alias):
        setattr(np, alias, value)

import onnx.backend.test.case.node as node_test  # noqa: E402
from onnx import numpy_helper  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_CASE_BYTES = 64 * 1024

CLAIMED = sorted("""
Abs Add AveragePool BatchNormalization Cast Clip Concat Constant ConstantOfShape Conv ConvTranspose Div Dropout Elu
Equal Erf Exp Expand Flatten Gather Gemm GlobalAveragePool GlobalMaxPool Greater GreaterOrEqual GroupNormalization
HardSigmoid HardSwish Identity InstanceNormalization LayerNormalization LeakyRelu Less LessOrEqual Log LogSoftmax LRN
MatMul Max MaxPool Mean Min Mul Neg Not Pad Pow PRelu Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp
ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Resize Selu Shape Sigmoid Slice
Softmax Softplus Split Sqrt Squeeze Sub Sum Tanh Transpose Unsqueeze Upsample Where Gelu And Or Xor Floor Ceil Softsign
Mod ScatterND Celu ThresholdedRelu Shrink Round Sign Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh IsNaN IsInf
Tile DepthToSpace SpaceToDepth ArgMax ArgMin Size MeanVarianceNormalization Hardmax CastLike EyeLike GatherElements GatherND
ScatterElements Scatter OneHot NonZero TopK Trilu CumSum Einsum Det Compress ReverseSequence NegativeLogLikelihoodLoss
SoftmaxCrossEntropyLoss GridSample NonMaxSuppression HannWindow HammingWindow BlackmanWindow If
""".split())


def write_case(case, folder):
    os.makedirs(os.path.join(folder, "test_data_set_0"))
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(case.model.SerializeToString())
    inputs, outputs = case.data_sets[0]
    for prefix, values, infos in (("input", inputs, case.model.graph.input), ("output", outputs, case.model.graph.output)):
        for j, value in enumerate(values):
            with open(os.path.join(folder, "test_data_set_0", f"{prefix}_{j}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.asarray(value), infos[j].name).SerializeToString())


def size_of(folder):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files)


def main():
    claimed = set(CLAIMED)
    cases = [c for c in node_test.collect_testcases(None) if c.kind == "node"]
    for entry in os.listdir(HERE):
        if entry.startswith("test_"):
            shutil.rmtree(os.path.join(HERE, entry))
    kept, skipped = [], []
    for case in sorted(cases, key=lambda c: c.name):
        ops = {n.op_type for n in case.model.graph.node}
        if not ops <= claimed:
            continue  # uses an operator the converter does not claim: refused at load, nothing to conform to
        if any(not i.type.HasField("tensor_type") for i in list(case.model.graph.input) + list(case.model.graph.output)):
            skipped.append(f"{case.name}\tnot a tensor graph")
            continue
        folder = os.path.join(HERE, case.name)
        if case.name in kept:
            continue  # ONNX 1.12 generates a few names twice (same case)
        write_case(case, folder)
        if size_of(folder) > MAX_CASE_BYTES:
            shutil.rmtree(folder)
            skipped.append(f"{case.name}\tlarger than {MAX_CASE_BYTES} bytes")
            continue
        kept.append(case.name)
    with open(os.path.join(HERE, "claimed.txt"), "w") as f:
        f.write("\n".join(CLAIMED) + "\n")
    with open(os.path.join(HERE, "skipped.txt"), "w") as f:
        f.write("\n".join(skipped) + ("\n" if skipped else ""))
    total = sum(size_of(os.path.join(HERE, k)) for k in kept)
    print(f"{len(kept)} cases kept ({total / 1024:.0f} KiB), {len(skipped)} skipped", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference client for `graft export --format onnx` in Python (PIL + numpy + onnxruntime): prepares the `image`
input exactly as the README's "Export" section describes and prints the class probabilities.

    python3 onnx_client.py classifier.onnx photo.jpg [more.jpg ...]

Not part of Graft (the product needs no Python); an example of a non-.NET client. Reads the input size, resize mode and
crop fraction from the model's metadata (graft.preprocess).
"""
import json
import math
import sys

import numpy as np
from PIL import Image, ImageOps


def crop_plan(w, h, tw, th, crop):
    """Graft's CenterCropPlan: size of the scaled image and the offsets of the tw x th crop in it."""
    sw, sh = math.floor(tw / crop), math.floor(th / crop)
    if sw == sh:  # square target: the shorter side becomes sw, the longer one is floored
        rw, rh = (sw, sw * h // w) if w <= h else (sw * w // h, sw)
    else:
        ratio = min(h / sh, w / sw)
        rw, rh = round(w / ratio), round(h / ratio)  # Python's round: halves to even, as Graft
    rw, rh = max(rw, tw), max(rh, th)
    return rw, rh, round((rw - tw) / 2), round((rh - th) / 2)


def weights(src, resized, offset, count):
    """Triangle (bilinear) filter widened by the downscale factor (antialiased), one row per output pixel."""
    ratio = src / resized
    scale = max(ratio, 1.0)
    radius = math.ceil(scale)
    m = np.zeros((count, src))
    for k in range(count):
        center = (k + offset + 0.5) * ratio - 0.5
        j = np.arange(max(0, math.ceil(center - radius)), min(src - 1, math.floor(center + radius)) + 1)
        w = np.maximum(0.0, 1.0 - np.abs(j - center) / scale)
        m[k, j] = w / w.sum()
    return m


def prepare(path, spec):
    """JPEG/PNG file -> float32 [3, H, W], RGB planes, 0..255, as `graft predict` feeds its backbone."""
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")  # EXIF orientation first
    pixels = np.asarray(image, dtype=np.float64)
    h, w, _ = pixels.shape
    tw, th = spec["width"], spec["height"]
    if spec["resize"] == "CenterCrop":
        rw, rh, left, top = crop_plan(w, h, tw, th, spec["crop"])
    else:  # Squash: stretch to the input size
        rw, rh, left, top = tw, th, 0, 0
    wy, wx = weights(h, rh, top, th), weights(w, rw, left, tw)
    out = np.einsum("yh,hwc->ywc", wy, pixels)     # vertical pass, no rounding in between
    out = np.einsum("xw,ywc->yxc", wx, out)        # horizontal pass
    out = np.clip(np.floor(out + 0.5), 0, 255)     # to 8 bits, halves up
    return out.transpose(2, 0, 1).astype(np.float32)


def spec_of(session):
    text = session.get_modelmeta().custom_metadata_map["graft.preprocess"]
    fields = dict(part.split("=", 1) for part in text.split(";"))
    width, height = map(int, fields["size"].split("x"))
    if fields["interp"] != "Bilinear":
        raise SystemExit(f"this example implements the Bilinear resampler only, the model wants {fields['interp']}")
    return {"width": width, "height": height, "resize": fields["resize"], "crop": float(fields["crop"])}


def main():
    import onnxruntime as ort
    session = ort.InferenceSession(sys.argv[1])
    spec = spec_of(session)
    names = json.loads(session.get_modelmeta().custom_metadata_map["graft.class_names"])
    batch = np.stack([prepare(p, spec) for p in sys.argv[2:]])
    probabilities, _ = session.run(["probabilities", "class_index"], {"image": batch})
    for path, p in zip(sys.argv[2:], probabilities):
        best = int(p.argmax())
        print(f"{path}\t{names[best]}\t{p[best]:.6f}\t{json.dumps([round(float(v), 7) for v in p])}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes check.png, the golden image of the descriptors' `check` sections: 200x150, deterministic (no randomness,
no fonts), with colour gradients, edges and shapes so that a CNN's pooled features are far from zero and sensitive to
preprocessing mistakes (channel order, crop, mean). Run once; the PNG is checked in (a few kB)."""
import math
from PIL import Image, ImageDraw

W, H = 200, 150
img = Image.new("RGB", (W, H))
px = img.load()
for y in range(H):
    for x in range(W):
        px[x, y] = (int(255 * x / (W - 1)), int(255 * y / (H - 1)), int(127 + 127 * math.sin(x / 9.0) * math.cos(y / 7.0)))
d = ImageDraw.Draw(img)
d.ellipse((20, 20, 90, 90), fill=(230, 40, 40), outline=(0, 0, 0), width=3)
d.rectangle((110, 30, 180, 110), fill=(30, 60, 200), outline=(255, 255, 255), width=2)
d.polygon([(60, 140), (100, 95), (140, 140)], fill=(250, 220, 30))
for k in range(0, W, 12):
    d.line((k, 0, k + 30, 20), fill=(0, 0, 0), width=1)
img.save("check.png", optimize=True)

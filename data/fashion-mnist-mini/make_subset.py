#!/usr/bin/python3
"""Makes Graft's embedded default dataset: a stratified Fashion-MNIST subset as PNG files plus a CSV manifest.

Source: Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist, IDX files, MIT licence,
Copyright (c) 2017 Zalando SE). Run offline with Debian's python3 (standard library only):

    apt-get install dataset-fashion-mnist
    /usr/bin/python3 data/fashion-mnist-mini/make_subset.py

Per class: 150 train and 30 validation images drawn from the official training set (disjoint), and 50 test
images from the official test set; seeded, so the same files come out every time.
"""
import gzip, os, random, struct, zlib

SRC = "/usr/share/datasets/fashion-mnist"
OUT = os.path.dirname(os.path.abspath(__file__))
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
PER_CLASS = {"train": 150, "validation": 30, "test": 50}
SEED = 20261128


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def png_grey(path, w, h, pixels):
    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + pixels[y * w:(y + 1) * w] for y in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    rng = random.Random(SEED)
    rows = []
    for source, splits in (("train", ["train", "validation"]), ("t10k", ["test"])):
        (n, h, w), images = read_idx(f"{SRC}/{source}-images-idx3-ubyte.gz")
        _, labels = read_idx(f"{SRC}/{source}-labels-idx1-ubyte.gz")
        by_class = {c: [i for i in range(n) if labels[i] == c] for c in range(10)}
        for c in range(10):
            pool = by_class[c][:]
            rng.shuffle(pool)
            start = 0
            for split in splits:
                take = sorted(pool[start:start + PER_CLASS[split]])
                start += PER_CLASS[split]
                os.makedirs(f"{OUT}/images/{split}", exist_ok=True)
                for i in take:
                    rel = f"images/{split}/{source}-{i:05d}.png"
                    png_grey(f"{OUT}/{rel}", w, h, images[i * h * w:(i + 1) * h * w])
                    rows.append((rel, CLASSES[c], split))
    rows.sort(key=lambda r: (["train", "validation", "test"].index(r[2]), r[0]))
    with open(f"{OUT}/manifest.csv", "w", newline="") as f:
        f.write("path,label,split\n")
        for rel, label, split in rows:
            f.write(f'{rel},"{label}",{split}\n')
    print(f"wrote {len(rows)} images")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# fashion-mnist-subset: a class-balanced subset of Fashion-MNIST written as JPEG folders,
# from the Debian package dataset-fashion-mnist (bookworm, 0.0~git20200523.55506a9-1).
#
# Caveat: these are real product photos (Zalando catalogue) but shipped as 28x28 8-bit
# GRAYSCALE thumbnails, so they are far from the natural RGB photos ImageNet backbones
# expect; use it as a large, cleanly labelled second benchmark, not as the photo one
# (see gcompris-photos.sh for that).
#
# Output: ${OUT:-/work/datasets/fashion-mnist-subset}/{train,val,test}/CLASS/*.jpg
#   train/val: drawn (seeded, per class) from the official 60k training set, disjoint;
#   test: drawn from the official 10k test set. Sizes per class via env vars below.
# Labels: from the idx label files (official labels), class names from the dataset README.
#
# LICENCE: MIT (Expat), Copyright 2017 Zalando SE (https://github.com/zalandoresearch/fashion-mnist);
# Debian packaging 2019-2020 Mo Zhou, MIT. Cite: Xiao, Rasul, Vollgraf, "Fashion-MNIST: a
# Novel Image Dataset for Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017.
set -euo pipefail

PKG=dataset-fashion-mnist
VER=${FMNIST_VER:-0.0~git20200523.55506a9-1}
OUT=${OUT:-/work/datasets/fashion-mnist-subset}
SEED=${SEED:-42}
TRAIN_PER_CLASS=${TRAIN_PER_CLASS:-300}
VAL_PER_CLASS=${VAL_PER_CLASS:-100}
TEST_PER_CLASS=${TEST_PER_CLASS:-100}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if ! /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
  apt-get install -y -q python3-pil
fi

cd "$WORK"
apt-get download "$PKG=$VER" 2>/dev/null || apt-get download "$PKG"
dpkg-deb -x "$PKG"_*.deb pkg
rm -rf "$OUT"; mkdir -p "$OUT"

/usr/bin/python3 - "$WORK/pkg/usr/share/datasets/fashion-mnist" "$OUT" "$SEED" \
  "$TRAIN_PER_CLASS" "$VAL_PER_CLASS" "$TEST_PER_CLASS" <<'PY'
import sys, os, gzip, struct, random
from PIL import Image
src, out, seed, ntr, nva, nte = sys.argv[1], sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:7])
names = ['tshirt_top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle_boot']
def load(prefix):
    with gzip.open(os.path.join(src, prefix + '-images-idx3-ubyte.gz')) as f:
        _, n, r, c = struct.unpack('>IIII', f.read(16)); px = f.read()
    with gzip.open(os.path.join(src, prefix + '-labels-idx1-ubyte.gz')) as f:
        f.read(8); lab = f.read()
    return [(i, lab[i], px[i*r*c:(i+1)*r*c]) for i in range(n)], (c, r)
rng = random.Random(seed)
counts = {}
for prefix, plan in (('train', (('train', ntr), ('val', nva))), ('t10k', (('test', nte),))):
    data, size = load(prefix)
    for k in range(10):
        idx = [d for d in data if d[1] == k]; rng.shuffle(idx)
        pos = 0
        for split, n in plan:
            d = os.path.join(out, split, names[k]); os.makedirs(d, exist_ok=True)
            for i, _, raw in idx[pos:pos+n]:
                Image.frombytes('L', size, raw).save(os.path.join(d, f'{prefix}_{i:05d}.jpg'), quality=95)
            counts[(split, names[k])] = len(idx[pos:pos+n]); pos += n
for s in ('train', 'val', 'test'):
    print(s, sum(v for (ss, _), v in counts.items() if ss == s), 'images,', 'per class', counts[(s, names[0])])
PY
echo "written to $OUT"

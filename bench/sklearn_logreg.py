#!/usr/bin/python3
"""Offline yardstick for Graft's linear head: scikit-learn's LogisticRegression on the same cached features.

Not part of the product or its tests. Run with Debian's python3-sklearn (apt-get install python3-sklearn):

    graft features export --cache CACHE --format npy --out /tmp/feat
    /usr/bin/python3 bench/sklearn_logreg.py /tmp/feat            # test split (or: ... /tmp/feat validation)
    SCALES=std MAX_ITER=1000 /usr/bin/python3 bench/sklearn_logreg.py /tmp/feat   # large sets: standardised only, capped

Prints test accuracy for sklearn's default (C=1, raw and standardised features) and for C chosen on the validation
split (a stratified 10% hold-out of train when there is none), the same procedure `graft train-head --head linear` follows (ML.NET's L2 = 1/C). Figures: docs/benchmarks.md.
"""
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

d = sys.argv[1]
ev = sys.argv[2] if len(sys.argv) > 2 else "test"
import os

X, y = np.load(f"{d}/features_train.npy"), np.load(f"{d}/labels_train.npy")
if os.path.exists(f"{d}/features_validation.npy"):
    Xv, yv = np.load(f"{d}/features_validation.npy"), np.load(f"{d}/labels_validation.npy")
    Xs, ys = X, y
else:  # no validation split (e.g. IDX): select C on a stratified 10% hold-out of train, as Graft does
    from sklearn.model_selection import train_test_split
    Xs, Xv, ys, yv = train_test_split(X, y, test_size=0.1, stratify=y, random_state=42)
Xt, yt = np.load(f"{d}/features_{ev}.npy"), np.load(f"{d}/labels_{ev}.npy")
print(d, "train", X.shape, "validation", Xv.shape, ev, Xt.shape)


def model(scale, C):
    lr = LogisticRegression(C=C, max_iter=int(os.environ.get("MAX_ITER", "5000")))
    return make_pipeline(StandardScaler(), lr) if scale == "std" else lr


# raw features need many L-BFGS iterations on large sets (60 000 × 512 did not finish in 40 min): SCALES=std skips them.
scales = os.environ.get("SCALES", "raw,std").split(",")
for scale in scales:
    t = time.time()
    m = model(scale, 1.0).fit(X, y)
    print(f"{scale} default C=1: {ev} accuracy {(m.predict(Xt) == yt).mean():.4f} ({time.time() - t:.1f} s)")
if ev == "test":
    for scale in scales:
        best = None
        for C in (1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100):
            m = model(scale, C).fit(Xs, ys)
            va, ta = (m.predict(Xv) == yv).mean(), (m.predict(Xt) == yt).mean()
            if best is None or va > best[0]:
                best = (va, C, ta)
        print(f"{scale} C chosen on validation: C={best[1]} (val {best[0]:.4f}) -> test accuracy {best[2]:.4f}")

#!/usr/bin/env python3
"""Export a scikit-learn linear classifier (LogisticRegression, or any model
with coef_/intercept_/classes_) trained on L2-normalized sentence embeddings
to what `mote convert --head HEAD.safetensors --labels LABELS.json` reads:

  HEAD.safetensors  weight: (n_classes, dim) float32, bias: (n_classes,) float32
                    (a binary classifier's single row w becomes rows -w/2, +w/2,
                    so softmax over the two rows equals predict_proba)
  LABELS.json       {"labels": [...], "classes": [...]}: row i is classes_[i]
                    (sklearn's order); labels[i] is its human-readable name from
                    --label-map (a JSON or joblib dict class -> name, either
                    direction), else str(classes_[i]).

Usage: tools/export-sklearn-head.py MODEL.joblib OUT_DIR [--label-map MAP]
Needs: scikit-learn, joblib, numpy, safetensors (pip install them).
"""
import argparse
import json
import os

import joblib
import numpy as np
from safetensors.numpy import save_file


def resolve(cls, label_map):
    """The name of class `cls`: label_map may map class -> name or name -> class."""
    key = str(cls)
    if key in label_map:
        return str(label_map[key])
    for name, value in label_map.items():
        if str(value) == key:
            return str(name)
    return key


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="a joblib/pickle file holding the fitted classifier")
    ap.add_argument("out_dir")
    ap.add_argument("--label-map", help="JSON or joblib dict between classes and names")
    a = ap.parse_args()

    clf = joblib.load(a.model)
    coef = np.asarray(clf.coef_, dtype=np.float64)
    bias = np.asarray(clf.intercept_, dtype=np.float64)
    classes = list(clf.classes_)
    if coef.shape[0] == 1 and len(classes) == 2:
        coef = np.stack([-coef[0] / 2, coef[0] / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2])
    if coef.shape[0] != len(classes):
        raise SystemExit(f"coef_ has {coef.shape[0]} rows for {len(classes)} classes")

    label_map = {}
    if a.label_map:
        if a.label_map.endswith(".json"):
            with open(a.label_map, encoding="utf-8") as f:
                label_map = json.load(f)
        else:
            label_map = dict(joblib.load(a.label_map))

    os.makedirs(a.out_dir, exist_ok=True)
    save_file(
        # C order: sklearn may hold coef_ in Fortran order, and safetensors
        # writes the buffer as it lies.
        {"weight": np.ascontiguousarray(coef, dtype=np.float32),
         "bias": np.ascontiguousarray(bias, dtype=np.float32)},
        os.path.join(a.out_dir, "intent_head.safetensors"),
    )
    labels = {
        "labels": [resolve(c, label_map) for c in classes],
        "classes": [str(c) for c in classes],
    }
    with open(os.path.join(a.out_dir, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f, indent=1)
    print(f"wrote {a.out_dir}/intent_head.safetensors ({coef.shape[0]} x {coef.shape[1]}) and labels.json")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""How much does the text alone tell? Scores a text-only reading (readings-*.jsonl: one
area per corpus id, given by a reader who saw only the error text, brief.md) against the
corpus labels (which the collectors gave from the whole thread), split by split.

Usage: python3 tests/corpus/text-only/score.py tests/corpus/text-only/readings-n-o-p.jsonl
"""
import glob
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
labels = {}
for path in glob.glob(os.path.join(here, "..", "*.jsonl")):
    split = os.path.basename(path)[: -len(".jsonl")]
    for line in open(path, encoding="utf-8"):
        if line.strip():
            entry = json.loads(line)
            labels.setdefault(entry["id"], (split, entry["area"]))
by_split = {}
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    reading = json.loads(line)
    split, area = labels[reading["id"]]
    s = by_split.setdefault(split, [0, 0, 0, 0])
    if area == "out_of_scope":
        s[2] += 1
        s[3] += reading["area"] != "out_of_scope"
    else:
        s[0] += 1
        s[1] += reading["area"] == area
for split, (n, right, oos, answered) in sorted(by_split.items()):
    print(f"{split}: {right}/{n} in scope read as the thread's area ({100 * right / max(n, 1):.0f}%), "
          f"{answered}/{oos} out of scope given an area")

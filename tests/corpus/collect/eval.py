#!/usr/bin/env python3
"""eval.py FILE BINARY [-v]: right area / out-of-scope answered, as tests/explain.rs counts."""
import json, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
f, binary = sys.argv[1], sys.argv[2]
verbose = '-v' in sys.argv
es = [json.loads(l) for l in open(f) if l.strip()]
def run(e):
    p = subprocess.run([binary, 'explain', '--no-probe', '--format', 'json'], input=e['error_text'].encode(), capture_output=True, timeout=60)
    try:
        m = json.loads(p.stdout)['matches']
    except Exception:
        return None
    return (m[0]['mode'], m[0]['area'], m[0]['confidence']) if m else None
with ThreadPoolExecutor(2) as ex:
    got = list(ex.map(run, es))
right = total = oosm = oos = 0
for e, g in zip(es, got):
    if e['area'] == 'out_of_scope':
        oos += 1; oosm += g is not None; ok = g is None
    else:
        total += 1; ok = g is not None and g[1] == e['area']; right += ok
    if verbose and not ok:
        print(f"{e['id']}\t{e['area']}\t{g}\t{e['error_text'][:150]!r}")
print(f"{f}: area {right}/{total} ({100*right/max(total,1):.0f}%), out of scope matched {oosm}/{oos}")

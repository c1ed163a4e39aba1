#!/usr/bin/env python3
"""answers.py BINARY WORDS...: the binary's top answer on every collected text containing one of the words."""
import json, glob, os, subprocess, sys, collections
from concurrent.futures import ThreadPoolExecutor
b, words = sys.argv[1], [w.lower() for w in sys.argv[2:]]
es = []
for f in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '*.jsonl'))) + sorted(glob.glob('/work/collect/split-*.jsonl')):
    for l in open(f):
        try: e = json.loads(l)
        except Exception: continue
        t = e.get('error_text')
        if isinstance(t, str) and e.get('area') and any(w in t.lower() for w in words): es.append(e)
def run(t):
    p = subprocess.run([b, 'explain', '--no-probe', '--format', 'json'], input=t.encode(), capture_output=True, timeout=60)
    try: m = json.loads(p.stdout)['matches']
    except Exception: return None
    return (m[0]['mode'], m[0]['area'], m[0]['confidence']) if m else None
with ThreadPoolExecutor(2) as ex: got = list(ex.map(lambda e: run(e['error_text']), es))
c = collections.Counter()
for e, g in zip(es, got):
    ok = (g is None) if e['area'] == 'out_of_scope' else (g is not None and g[1] == e['area'])
    c[ok] += 1
    print('OK ' if ok else 'XX ', e['id'], e['area'], g, repr(e['error_text'][:100]))
print(dict(c))

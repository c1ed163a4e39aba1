#!/usr/bin/env python3
"""quickdiff.py A B WORDS...: compare two binaries' top answers on every collected text containing one of the words."""
import json, glob, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
a, b, words = sys.argv[1], sys.argv[2], [w.lower() for w in sys.argv[3:]]
es = []
for f in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '*.jsonl'))) + sorted(glob.glob('/work/collect/split-*.jsonl')):
    for l in open(f):
        if not l.strip(): continue
        try: e = json.loads(l)
        except Exception: continue
        t = e.get('error_text')
        if isinstance(t, str) and e.get('area') and any(w in t.lower() for w in words):
            es.append(e)
def run(binary, t):
    p = subprocess.run([binary, 'explain', '--no-probe', '--format', 'json'], input=t.encode(), capture_output=True, timeout=60)
    try: m = json.loads(p.stdout)['matches']
    except Exception: return None
    return (m[0]['mode'], m[0]['area'], m[0]['confidence']) if m else None
with ThreadPoolExecutor(2) as ex:
    ra = list(ex.map(lambda e: run(a, e['error_text']), es))
    rb = list(ex.map(lambda e: run(b, e['error_text']), es))
fix = brk = chg = 0
for e, x, y in zip(es, ra, rb):
    if x == y: continue
    want = e['area']
    okx = (x is None) if want == 'out_of_scope' else (x is not None and x[1] == want)
    oky = (y is None) if want == 'out_of_scope' else (y is not None and y[1] == want)
    tag = 'FIX' if oky and not okx else 'BREAK' if okx and not oky else 'CHG'
    fix += tag == 'FIX'; brk += tag == 'BREAK'; chg += tag == 'CHG'
    print(tag, e['id'], want, x, '->', y, repr(e['error_text'][:120]))
print(f'{len(es)} texts: {fix} fixed, {brk} broken, {chg} changed')

#!/usr/bin/env python3
"""eval.py FILE BINARY [-v]: right area / out-of-scope answered, as tests/explain.rs counts."""
import json, sys
from concurrent.futures import ThreadPoolExecutor
from common import right, top

f, binary = sys.argv[1], sys.argv[2]
es = [json.loads(l) for l in open(f, encoding='utf-8') if l.strip()]
with ThreadPoolExecutor(2) as ex:
    got = list(ex.map(lambda e: top(binary, e['error_text']), es))
inside = [(e, g) for e, g in zip(es, got) if e['area'] != 'out_of_scope']
outside = [(e, g) for e, g in zip(es, got) if e['area'] == 'out_of_scope']
ok = sum(right(e, g) for e, g in inside)
answered = sum(g is not None for _, g in outside)
if '-v' in sys.argv:
    for e, g in zip(es, got):
        if not right(e, g):
            print(f"{e['id']}\t{e['area']}\t{g}\t{e['error_text'][:150]!r}")
print(f"{f}: area {ok}/{len(inside)} ({100 * ok / max(len(inside), 1):.0f}%), out of scope matched {answered}/{len(outside)}")

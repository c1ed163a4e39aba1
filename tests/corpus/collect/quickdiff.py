#!/usr/bin/env python3
"""quickdiff.py A B WORDS...: compare two builds' top answers on every collected text
holding one of the words (FIX, BREAK, CHG)."""
import sys
from concurrent.futures import ThreadPoolExecutor
from common import collected, right, top

a, b, words = sys.argv[1], sys.argv[2], [w.lower() for w in sys.argv[3:]]
es = collected(words)
with ThreadPoolExecutor(2) as ex:
    ra = list(ex.map(lambda e: top(a, e['error_text']), es))
    rb = list(ex.map(lambda e: top(b, e['error_text']), es))
count = {'FIX': 0, 'BREAK': 0, 'CHG': 0}
for e, x, y in zip(es, ra, rb):
    if x == y:
        continue
    tag = 'FIX' if right(e, y) and not right(e, x) else 'BREAK' if right(e, x) and not right(e, y) else 'CHG'
    count[tag] += 1
    print(tag, e['id'], e['area'], x, '->', y, repr(e['error_text'][:120]))
print(f"{len(es)} texts: {count['FIX']} fixed, {count['BREAK']} broken, {count['CHG']} changed")

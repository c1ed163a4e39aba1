#!/usr/bin/env python3
"""answers.py BINARY WORDS...: one build's top answer on every collected text holding one
of the words, marked right (OK) or not (XX): a label distribution before a rule."""
import sys
from concurrent.futures import ThreadPoolExecutor
from common import collected, right, top

b, words = sys.argv[1], [w.lower() for w in sys.argv[2:]]
es = collected(words)
with ThreadPoolExecutor(2) as ex:
    got = list(ex.map(lambda e: top(b, e['error_text']), es))
for e, g in zip(es, got):
    print('OK ' if right(e, g) else 'XX ', e['id'], e['area'], g, repr(e['error_text'][:100]))
print(f"{sum(right(e, g) for e, g in zip(es, got))} right of {len(es)}")

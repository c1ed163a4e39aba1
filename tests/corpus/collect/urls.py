#!/usr/bin/env python3
"""urls.py OUT: every source URL of every split and corpus file (also without #fragment,
?query and trailing slash), one per line: what a collector checks a new thread against."""
import glob, json, os, re, sys
here = os.path.dirname(os.path.abspath(__file__))
urls = set()
for f in glob.glob(os.path.join(here, '..', '*.jsonl')) + glob.glob(os.path.join(here, '..', '..', '..', '..', 'shared', 'corpus', '*.jsonl')):
    for line in open(f, encoding='utf-8'):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        src = e.get('source') or []
        for u in [src] if isinstance(src, str) else src:
            if isinstance(u, str):
                urls.add(u.strip())
                urls.add(re.sub(r'[#?].*$', '', u.strip()).rstrip('/'))
open(sys.argv[1], 'w').write('\n'.join(sorted(urls)) + '\n')
print(len(urls), 'urls')

#!/usr/bin/env python3
"""dedupe.py X: join /work/collect/X/*.jsonl into split-X.jsonl, dropping known URLs, repeated URLs and repeated texts."""
import json, glob, re, sys
x = sys.argv[1]
known = set(l.strip() for l in open("/work/collect/existing_urls.txt"))
norm = lambda u: re.sub(r'[#?].*$', '', u).rstrip('/')
seen_u, seen_t, out, drop = set(), set(), [], []
for f in sorted(glob.glob(f'/work/collect/{x}/*.jsonl')):
    for i, l in enumerate(open(f)):
        if not l.strip(): continue
        try: e = json.loads(l)
        except Exception as err: drop.append((f, i, 'json', str(err))); continue
        src = e.get('source') or []
        if isinstance(src, str): src = [src]; e['source'] = src
        us = {norm(u) for u in src} | set(src)
        t = ' '.join(e.get('error_text', '').split())
        if not t or e.get('area') not in {'daemon_unreachable','socket_permissions','wsl2','proxy_ca','registry_dns_tls','registry_auth','port_conflicts','storage','cli','out_of_scope'}:
            drop.append((e.get('id'), 'field')); continue
        if us & known: drop.append((e['id'], 'known url')); continue
        if us & seen_u: drop.append((e['id'], 'repeated url')); continue
        if t in seen_t: drop.append((e['id'], 'repeated text')); continue
        seen_u |= us; seen_t.add(t); out.append(e)
open(f'/work/collect/split-{x}.jsonl', 'w').write(''.join(json.dumps(e, ensure_ascii=False) + '\n' for e in out))
print(len(out), 'kept;', len(drop), 'dropped:', drop)

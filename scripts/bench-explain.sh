#!/usr/bin/env bash
# Measures `docker-doctor explain --no-probe --file` (release build) on 2 MiB of text of
# each kind: an English dockerd log, a Russian one (non-ASCII), random bytes, the
# corpus's errors repeated (every window matches something), and the first 2 MiB of every
# collected error once (splits.txt: real errors with no text repeated, so nothing gains
# from a line seen before). Prints wall time and MB/s
# (median of RUNS; the whole run, the registry's compilation included). Target: at least
# 5 MB/s on any text; `explain` stops matching at 8 s whatever it is given.
#
# Usage: scripts/bench-explain.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"

cargo build --release --quiet
doctor="${CARGO_TARGET_DIR:-$PWD/target}/release/docker-doctor"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'EOF'
import json, random, sys
out, size = sys.argv[1], 2 << 20
random.seed(1)
def log(words, level):
    lines, n, i = [], 0, 0
    while True:
        i += 1
        line = 'time="2026-03-%02dT10:%02d:%02d.%09dZ" level=%s msg="%s"\n' % (
            i % 28 + 1, i % 60, i * 7 % 60, i * 7919 % 10**9, level,
            " ".join(random.choice(words) for _ in range(12)))
        if n + len(line.encode()) > size:
            return "".join(lines)
        lines.append(line)
        n += len(line.encode())
en = "error starting daemon failed to connect container network volume layer image pull denied the with for shim task".split()
ru = "Ошибка при запуске не удалось подключиться к демону контейнера сети тома слоя образа загрузки отказано в доступе".split()
open(f"{out}/ascii.log", "w").write(log(en, "info"))
open(f"{out}/cyrillic.log", "w").write(log(ru, "error"))
open(f"{out}/random.bin", "wb").write(random.randbytes(size))
errors = []
for name in ["known-failures", "real-world", "held-out"]:
    for line in open(f"tests/corpus/{name}.jsonl"):
        if line.strip():
            errors.append(json.loads(line)["error_text"])
blob = ("\n".join(errors) + "\n").encode()
open(f"{out}/corpus.txt", "wb").write((blob * (size // len(blob) + 1))[:size])
import glob
collected = []
for path in sorted(glob.glob("tests/corpus/*.jsonl")):
    for line in open(path, encoding="utf-8"):
        try:
            text = json.loads(line).get("error_text")
        except ValueError:
            continue
        if isinstance(text, str):
            collected.append(text)
open(f"{out}/splits.txt", "wb").write(("\n".join(collected) + "\n").encode()[:size])
EOF

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '%-14s %10s %10s %9s\n' input bytes median MB/s
for f in ascii.log cyrillic.log random.bin corpus.txt splits.txt; do
    bytes=$(stat -c %s "$tmp/$f")
    for _ in $(seq 1 "$runs"); do
        t0=$(date +%s%N)
        "$doctor" explain --no-probe --file "$tmp/$f" >/dev/null 2>"$tmp/stderr" || true
        t1=$(date +%s%N)
        echo $(( (t1 - t0) / 1000 ))
    done | median >"$tmp/us"
    us=$(cat "$tmp/us")
    awk -v f="$f" -v b="$bytes" -v us="$us" 'BEGIN {
        printf "%-14s %10d %8.0f ms %9.1f\n", f, b, us / 1000, b / us
    }'
    if grep -q 'note:' "$tmp/stderr"; then sed 's/^/    /' "$tmp/stderr"; fi
done

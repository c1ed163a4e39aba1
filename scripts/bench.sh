#!/usr/bin/env bash
# Times a full local check (`docker-doctor --offline --format json`) against `docker info`
# on the same daemon, alternating runs so both see the same machine state, and prints both
# medians, the ratio and peak memory. Target: the doctor no slower than `docker info`.
#
# Usage: scripts/bench.sh [RUNS]
#   With DOCKER_HOST set, benchmarks against that daemon; otherwise (as root) starts a
#   private dockerd on a temp socket, like the tests do.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"

command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
cargo build --release --quiet
doctor="$PWD/target/release/docker-doctor"

tmp=$(mktemp -d)
cleanup() {
    if [ -f "$tmp/docker.pid" ]; then kill "$(cat "$tmp/docker.pid")" 2>/dev/null || true; sleep 2; fi
    rm -rf "$tmp" "/run/dd-bench-$$"
}
trap cleanup EXIT

if [ -z "${DOCKER_HOST:-}" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "set DOCKER_HOST, or run as root to start a private dockerd" >&2; exit 1; }
    dockerd -H "unix://$tmp/docker.sock" --iptables=false --ip6tables=false --bridge=none \
        --storage-driver=vfs --data-root "$tmp/data" --exec-root "/run/dd-bench-$$" \
        --pidfile "$tmp/docker.pid" >"$tmp/dockerd.log" 2>&1 &
    export DOCKER_HOST="unix://$tmp/docker.sock"
    for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
fi
docker info >/dev/null 2>&1 || { echo "no daemon answers at $DOCKER_HOST" >&2; exit 1; }

# ms of one run of "$@", peak RSS (KiB) appended to $tmp/rss.<label>.
measure() {
    local label=$1; shift
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$tmp/one.rss" "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    cat "$tmp/one.rss" >>"$tmp/rss.$label"
    echo $(( (t1 - t0) / 1000 )) >>"$tmp/us.$label"
}

measure doctor "$doctor" --offline --format json   # warm-up
measure info docker info
rm -f "$tmp"/us.* "$tmp"/rss.*
for _ in $(seq 1 "$runs"); do
    measure doctor "$doctor" --offline --format json
    measure info docker info
done

median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
max() { sort -n "$1" | tail -n 1; }
d=$(median "$tmp/us.doctor"); i=$(median "$tmp/us.info")
printf '%-38s %10s %14s\n' "command ($runs runs, alternating)" "median" "peak RSS"
awk -v d="$d" -v i="$i" -v dr="$(max "$tmp/rss.doctor")" -v ir="$(max "$tmp/rss.info")" 'BEGIN {
    printf "%-38s %8.1f ms %10s KiB\n", "docker-doctor --offline --format json", d / 1000, dr
    printf "%-38s %8.1f ms %10s KiB\n", "docker info", i / 1000, ir
    printf "ratio doctor/info: %.2f\n", d / i
}'

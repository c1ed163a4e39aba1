#!/usr/bin/env bash
# Times a full run WITH the network probes against the healthy network lab, next to each
# probe run alone, to show that the probes overlap: the full run should take little more
# than its slowest single check (the registry connections are made once, concurrently, and
# shared by the registry and ca probes).
#
# The lab, as in tests/network_lab.rs: a network namespace with dnsmasq answering Docker
# Hub's names, docker-registry behind TLS from a throwaway CA that the namespace's system
# store trusts, and a private dockerd. Needs root and the packages scripts/test.sh installs,
# plus openssl.
#
# Usage: sudo scripts/bench-lab.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
[ "$(id -u)" -eq 0 ] || { echo "needs root (ip netns, dockerd)" >&2; exit 1; }
for c in ip dnsmasq docker-registry dockerd openssl; do
    command -v "$c" >/dev/null || { echo "needs $c (see scripts/test.sh)" >&2; exit 1; }
done
cargo build --release --quiet
doctor="$PWD/target/release/docker-doctor"

ns="dd-bench-$$"
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 1
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns" "$tmp" "/run/dd-bench-$$"
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "/etc/netns/$ns/ssl/certs"
echo "nameserver 127.0.0.53" >"/etc/netns/$ns/resolv.conf"

# A CA and a registry certificate for Docker Hub's names.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=Bench Lab CA" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=registry-1.docker.io" \
    -keyout "$tmp/leaf.key" -out "$tmp/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:registry-1.docker.io,DNS:auth.docker.io,DNS:production.cloudflare.docker.com\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
    -days 1 -extfile "$tmp/ext" -out "$tmp/leaf.pem" 2>/dev/null
cp "$tmp/ca.pem" "/etc/netns/$ns/ssl/certs/ca-certificates.crt"

cat >"$tmp/registry.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $tmp/registry-data
http:
  addr: 127.0.0.10:443
  tls:
    certificate: $tmp/leaf.pem
    key: $tmp/leaf.key
EOF
ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --bind-interfaces --listen-address=127.0.0.53 --user=root \
    --address=/docker.io/127.0.0.10 --address=/docker.com/127.0.0.10 >"$tmp/dnsmasq.log" 2>&1 &
pids+=($!)
ip netns exec "$ns" docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
pids+=($!)
nsenter --net="/run/netns/$ns" dockerd -H "unix://$tmp/docker.sock" --iptables=false \
    --ip6tables=false --bridge=none --storage-driver=vfs --data-root "$tmp/data" \
    --exec-root "/run/dd-bench-$$" --pidfile "$tmp/docker.pid" >"$tmp/dockerd.log" 2>&1 &
pids+=($!)
export DOCKER_HOST="unix://$tmp/docker.sock"
for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done

in_lab() { ip netns exec "$ns" env DOCKER_HOST="$DOCKER_HOST" HOME="$tmp" PATH="$PATH" "$@"; }
in_lab "$doctor" --format json >"$tmp/check.json" || true
grep -q '"registry.ok"' "$tmp/check.json" || { echo "the lab is not healthy:" >&2; cat "$tmp/check.json" >&2; exit 1; }

measure() {   # label, then the doctor's arguments; appends µs to $tmp/us.<label>
    local label=$1; shift
    local t0 t1
    t0=$(date +%s%N)
    in_lab "$doctor" --format json "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 )) >>"$tmp/us.$label"
}
labels=(full daemon proxy registry ca)
measure full   # warm-up
rm -f "$tmp"/us.*
for _ in $(seq 1 "$runs"); do
    measure full
    for p in daemon proxy registry ca; do measure "$p" --only "$p"; done
done

median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
slowest=0
printf '%-44s %10s\n' "docker-doctor --format json ($runs runs)" "median"
for l in "${labels[@]}"; do
    m=$(median "$tmp/us.$l")
    if [ "$l" = full ]; then name="full run (all probes, network included)"; full=$m; else name="--only $l"; fi
    [ "$l" != full ] && [ "$m" -gt "$slowest" ] && slowest=$m
    awk -v n="$name" -v m="$m" 'BEGIN { printf "%-44s %8.1f ms\n", n, m / 1000 }'
done
awk -v f="$full" -v s="$slowest" 'BEGIN { printf "full run / slowest single probe: %.2f\n", f / s }'

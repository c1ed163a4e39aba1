#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what the tests need, checks
# formatting and lints, and runs every test, including the #[ignore]d ones that need root
# (a real dockerd on a private socket, unprivileged test users made with useradd).
#
# Needs root: it installs Debian packages, starts dockerd and creates the test users
# dd-outsider and dd-member. Usage: sudo scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh needs root: it installs packages, starts dockerd and creates test users." >&2
    echo "Run: sudo scripts/test.sh   (or cargo test, for the tests that need neither)" >&2
    exit 1
fi

# docker.io: dockerd and the docker CLI; busybox-static: tiny images for containers;
# util-linux: setpriv; passwd: useradd/usermod; procps: kill; ca-certificates for cargo.
packages=(docker.io busybox-static util-linux passwd procps ca-certificates)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dockerd >/dev/null || { echo "dockerd not found after installing docker.io" >&2; exit 1; }

if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
    rustup component add clippy rustfmt
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test (including root-only tests)"
cargo test --workspace --locked -- --include-ignored "$@"

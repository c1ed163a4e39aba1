#!/usr/bin/env bash
# Windows and macOS from this Linux machine, through ../shared/cross (see its README):
# clippy -D warnings for x86_64-pc-windows-gnu, aarch64-apple-darwin and x86_64-apple-darwin,
# then the whole test suite built for Windows and run under Wine. A test that needs what
# Wine lacks (a volume query, sockets' owning processes, process command lines) prints
# "skipped under Wine" and returns; tests of Unix-only behaviour (links, modes, sh, real
# daemons) are compiled only for Unix. macOS is linted only: linking needs Apple's SDK.
#
# Needs ../shared/cross/setup.sh run once (as root). A cold run takes about ten minutes
# on 2 cores, so it is not part of scripts/test.sh (CI's budget): run it after changing
# anything under cfg(windows) or cfg(target_os = "macos"), host/windows*.rs, or paths.
#
# Usage: scripts/check-cross.sh [--no-wine]
set -euo pipefail
cd "$(dirname "$0")/.."
cross="$(cd ../shared/cross && pwd)"
# shellcheck source=/dev/null
. "$cross/env.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/cross}"

for target in x86_64-pc-windows-gnu aarch64-apple-darwin x86_64-apple-darwin; do
    echo "==> clippy $target"
    cargo clippy --workspace --all-targets --locked --target "$target" -- -D warnings
done

if [ "${1:-}" != "--no-wine" ]; then
    echo "==> tests, x86_64-pc-windows-gnu under Wine"
    cargo test --workspace --locked --target x86_64-pc-windows-gnu --no-fail-fast
fi

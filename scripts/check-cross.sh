#!/usr/bin/env bash
# Type-checks (and lints) the Windows build from Linux: the standard library is built from
# source for x86_64-pc-windows-gnu (nightly's -Zbuild-std), C dependencies (ring) with
# mingw-w64. This catches what only Windows compiles (host/windows*.rs, cfg(windows) in
# dependencies' APIs) before the GitHub workflow's Windows runner does. macOS cannot be
# checked this way: ring's C code needs Apple's SDK headers. Slow (a few minutes): not part
# of scripts/test.sh.
#
# Needs: rustup toolchain install nightly; rustup component add rust-src --toolchain nightly;
#        apt-get install gcc-mingw-w64-x86-64
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/cross-check}"
echo "==> x86_64-pc-windows-gnu"
cargo +nightly check -Zbuild-std=std,panic_abort --target x86_64-pc-windows-gnu --workspace --all-targets

#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets) for SECONDS each (default 600), one after the
# other, growing the committed corpora in fuzz/corpus/<target>. A crash stops the script and
# leaves its input in fuzz/artifacts/<target>/: turn it into a regression test, fix, rerun.
# Long-running: never part of CI or scripts/test.sh.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# Needs: rustup toolchain install nightly; cargo install cargo-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
    echo "==> $t for ${seconds}s"
    mkdir -p "fuzz/corpus/$t"
    # -rss_limit_mb: a parser that balloons is a crash too; -timeout: one input may not
    # take more than 10 s.
    cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
        2>&1 | tail -n 12
    # Keep the corpus small: only inputs that add coverage.
    cargo +nightly fuzz cmin -O "$t" "fuzz/corpus/$t" >/dev/null 2>&1 || true
done

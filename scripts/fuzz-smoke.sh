#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for SECONDS (15 by default) from the seeded corpus, and prints the
# executions each made. Needs a nightly toolchain (libFuzzer's sanitizer flags): a machine without one
# says so and skips, since toolchains cannot be downloaded here; cargo-fuzz itself comes from crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-15}"
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain on this machine; the fuzz targets are not run"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  CARGO_TARGET_DIR="$(mktemp -d)" cargo install --locked --quiet cargo-fuzz --version 0.13.2
fi
fuzz/seed.sh
for target in $(cargo +nightly fuzz list --fuzz-dir fuzz); do
  log="$(mktemp)"
  if ! cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $target crashed (artifact under fuzz/artifacts/$target)"
    exit 1
  fi
  runs="$(grep -o 'Done [0-9]* runs' "$log" | tail -n 1 || true)"
  echo "fuzz: $target — ${runs:-no summary} in ${seconds} s, no crash"
  rm -f "$log"
done

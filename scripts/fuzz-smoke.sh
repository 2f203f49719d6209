#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for SECONDS (15 by default) from a corpus seeded by fuzz/seed.sh
# (files of the repository only), and prints the executions each made; a crash fails the run and
# leaves its input under fuzz/artifacts/<target>/. libFuzzer's sanitizer flags need a nightly
# toolchain: without one (toolchains cannot be downloaded here), the stable one is used with
# RUSTC_BOOTSTRAP=1; only when neither can build with a sanitizer are the targets skipped, loudly.
# cargo-fuzz itself comes from crates.io (pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-15}"
CARGO_FUZZ_VERSION=0.13.2

# Whether rustc ($1: a toolchain such as +nightly, or nothing for the default one) builds and runs a
# program with AddressSanitizer, as cargo fuzz asks.
sanitizer_builds() {
  local probe status=0
  probe="$(mktemp -d)"
  echo 'fn main() {}' >"$probe/main.rs"
  { rustc ${1:+"$1"} -Zsanitizer=address -o "$probe/main" "$probe/main.rs" && "$probe/main"; } >/dev/null 2>&1 ||
    status=1
  rm -rf "$probe"
  return "$status"
}

toolchain=()
if cargo +nightly --version >/dev/null 2>&1 && sanitizer_builds +nightly; then
  toolchain=(+nightly)
elif RUSTC_BOOTSTRAP=1 sanitizer_builds ""; then
  echo "fuzz: no nightly toolchain; the stable one builds the targets with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
else
  echo "fuzz: SKIPPED — no toolchain here builds with -Zsanitizer=address (neither nightly nor stable"
  echo "fuzz: with RUSTC_BOOTSTRAP=1): the fuzz targets were NOT run"
  exit 0
fi
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  CARGO_TARGET_DIR="$(mktemp -d)" cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
fuzz/seed.sh
fuzz() { cargo ${toolchain[@]+"${toolchain[@]}"} fuzz "$@"; }
# One build of every target first, so that a compile error is told as one. Release mode (-O): the
# dependencies as released, our crates with overflow checks and debug assertions (fuzz/Cargo.toml).
# The targets, but those FUZZ_SMOKE_SKIP names (space-separated).
targets=()
for target in $(fuzz list --fuzz-dir fuzz); do
  case " ${FUZZ_SMOKE_SKIP:-} " in
    *" $target "*) echo "fuzz: $target skipped here (FUZZ_SMOKE_SKIP)" ;;
    *) targets+=("$target") ;;
  esac
done
for target in "${targets[@]}"; do
  fuzz build -O --fuzz-dir fuzz "$target"
done
for target in "${targets[@]}"; do
  log="$(mktemp)"
  if ! fuzz run -O --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $target crashed (artifact under fuzz/artifacts/$target)"
    exit 1
  fi
  runs="$(grep -o 'Done [0-9]* runs' "$log" | tail -n 1 || true)"
  echo "fuzz: $target — ${runs:-no summary} in ${seconds} s, no crash"
  rm -f "$log"
done

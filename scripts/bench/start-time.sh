#!/usr/bin/env bash
# How long a server takes to serve exact indicator figures (BENCHMARKS.md, "Start from the sealed copy"):
# starts the release server on DATABASE_URL, prints the seconds until /readyz answers 200 (the
# indicator records loaded) with the resident memory then and at its peak, keeps serving HOLD more
# seconds, then stops it with SIGINT (as the systemd unit does).
# Usage: scripts/bench/start-time.sh DATABASE_URL [HOLD] [PORT]
# AIGUILLAGE_BIN names another executable than target/release/aiguillage (an earlier build, to compare).
set -euo pipefail
cd "$(dirname "$0")/../.."
url="$1"
hold="${2:-10}"
port="${3:-8099}"
log="$(mktemp)"
RUST_LOG=info "${AIGUILLAGE_BIN:-target/release/aiguillage}" serve --database-url "$url" --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill -INT "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT
started=$(date +%s.%N)
memory() { awk -v field="$1" '$1 == field":" { print $2 }' "/proc/$server/status"; }
while true; do
  elapsed=$(echo "$(date +%s.%N) - $started" | bc)
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  if [ "$code" = "200" ]; then
    echo "ready after $elapsed s, resident $(memory VmRSS) kB, peak $(memory VmHWM) kB"
    break
  fi
  kill -0 "$server" 2>/dev/null || { cat "$log"; echo "the server stopped" >&2; exit 1; }
  sleep 0.5
done
sleep "$hold"
echo "after $hold s: resident $(memory VmRSS) kB, peak $(memory VmHWM) kB"
grep -E "indicator (records|snapshot)" "$log" | sed 's/\x1b\[[0-9;]*m//g' | cut -c1-240

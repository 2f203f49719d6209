#!/usr/bin/env bash
# Redistribution benchmark: the domain's solver (`aiguillage solve`) against Google OR-Tools'
# SimpleMinCostFlow on the same DIMACS instances, at the sizes given (default: all three).
# Prints both optimal costs and both solve times per size; fails if the costs differ.
#   scripts/bench/redistribution.sh [department] [region] [national] [--seed S]
# Needs python3-venv; installs numpy, scipy and ortools from PyPI into a venv under /tmp.
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=1
sizes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed="$2"; shift 2 ;;
    *) sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -eq 0 ] && sizes=(department region national)
venv=/tmp/aiguillage-bench-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import ortools, scipy' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy scipy ortools
fi
cargo build --quiet --release -p aiguillage
echo "| size | cost (aiguillage) | cost (OR-Tools) | seconds (aiguillage) | seconds (OR-Tools) | ratio |"
echo "| --- | --- | --- | --- | --- | --- |"
status=0
for size in "${sizes[@]}"; do
  instance="/tmp/aiguillage-mcf-$size-$seed.dimacs"
  [ -s "$instance" ] || "$venv/bin/python" scripts/bench/mcf_gen.py "$size" --seed "$seed" \
    --communes data/territory/communes-2026.csv > "$instance"
  ours=$(target/release/aiguillage solve "$instance")
  theirs=$("$venv/bin/python" scripts/bench/mcf_ortools.py "$instance")
  our_cost=$(echo "$ours" | awk '/^cost/ {print $2}'); our_s=$(echo "$ours" | awk '/^seconds/ {print $2}')
  or_cost=$(echo "$theirs" | awk '/^cost/ {print $2}'); or_s=$(echo "$theirs" | awk '/^seconds/ {print $2}')
  ratio=$(awk -v a="$our_s" -v b="$or_s" 'BEGIN { printf "%.2f", a / b }')
  echo "| $size | $our_cost | $or_cost | $our_s | $or_s | $ratio |"
  if [ "$our_cost" != "$or_cost" ]; then
    echo "costs differ at size $size" >&2
    status=1
  fi
done
exit $status

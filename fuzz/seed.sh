#!/usr/bin/env bash
# Fills corpus/<target>/ with real files (or their first lines) and the small seeds of seeds/, so that
# each target starts from inputs the readers meet in use. corpus/ is not committed.
set -euo pipefail
cd "$(dirname "$0")"
root=..
fixtures="$root/crates/interop/tests/fixtures"
mkdir -p corpus
seed() { mkdir -p "corpus/$1"; cp "$2" "corpus/$1/$(basename "$2")"; }
head_of() { mkdir -p "corpus/$1"; head -n "$3" "$2" > "corpus/$1/head-$3-$(basename "$2")"; }
seed places_csv "$fixtures/exemple-valide.csv"
seed places_csv "$fixtures/broken.csv"
head_of places_csv "$root/data/directory/liste-fs-20240801.csv" 60
head_of france_services "$root/data/directory/liste-fs-20240801.csv" 60
seed data_inclusion "$fixtures/data-inclusion-structures.json"
seed places_json "$fixtures/data-inclusion-structures.json"
head_of fragility_indicators "$root/data/fragility/indicateurs-communes-2020.csv" 80
head_of published_index "$root/data/fragility/indicateurs-communes-2020.csv" 40
head_of local_indicators "$root/data/fragility/indicateurs-communes-2020.csv" 20
for target in dimacs travel_times cra_csv cra_json published_index session_archive local_indicators forms; do
  mkdir -p "corpus/$target"
  if [ -d "seeds/$target" ]; then cp seeds/"$target"/* "corpus/$target/" 2>/dev/null || true; fi
done

#!/usr/bin/env bash
# Copies the CSP build of MapLibre GL JS (npm maplibre-gl) that the web crate embeds into the binary,
# and the département outlines used as the map's background. The result is committed: builds need no npm.
set -euo pipefail
version="${1:-5.24.1}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --ignore-scripts --no-audit --no-fund "maplibre-gl@$version" >/dev/null
dist="$work/node_modules/maplibre-gl/dist"
dest="$here/crates/web/assets/maplibre"
rm -rf "$dest"
mkdir -p "$dest"
cp "$dist/maplibre-gl-csp.js" "$dist/maplibre-gl-csp-worker.js" "$dist/maplibre-gl.css" "$dist/LICENSE.txt" "$dest/"
echo "$version" > "$dest/VERSION"
echo "MapLibre GL $version copied to $dest"

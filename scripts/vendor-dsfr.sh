#!/usr/bin/env bash
# Copies the parts of the DSFR (npm @gouvfr/dsfr) that the web crate embeds into the binary.
# Run by hand when upgrading the design system; the result is committed, so builds need no npm.
set -euo pipefail
version="${1:-1.14.4}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --ignore-scripts --no-audit --no-fund "@gouvfr/dsfr@$version" >/dev/null
dist="$work/node_modules/@gouvfr/dsfr/dist"
dest="$here/crates/web/assets/dsfr"
rm -rf "$dest"
mkdir -p "$dest/utility/icons" "$dest/fonts"
cp "$dist"/dsfr.min.css "$dist"/dsfr.module.min.js "$dist"/dsfr.nomodule.min.js "$dest/"
cp "$dist"/fonts/*.woff2 "$dist"/fonts/*.woff "$dest/fonts/"
cp -r "$dist/favicon" "$dist/icons" "$dest/"
cp "$dist/utility/icons/icons.min.css" "$dest/utility/icons/"
cp "$work/node_modules/@gouvfr/dsfr/LICENSE.md" "$dest/LICENSE.md"
echo "$version" > "$dest/VERSION"
echo "DSFR $version copied to $dest"

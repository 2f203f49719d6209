#!/usr/bin/env bash
# The PostgreSQL backup procedure of the README, drilled on the test server: a database filled by the
# real commands, a `pg_dump` taken, more written, `pg_restore` run, and every table found exactly as
# it was when dumped (a digest of each table's rows), then `aiguillage migrate` accepts the level.
# Usage: scripts/pg-backup-drill.sh BASE_URL BINARY   (BASE_URL: postgres://user@host:port/postgres)
set -euo pipefail
base="$1"
binary="$2"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
server="${base%/*}"
url="$server/backup_drill"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin/psql" -q "$base" -c "DROP DATABASE IF EXISTS backup_drill" 2>/dev/null -c "CREATE DATABASE backup_drill"
export AIGUILLAGE_DATABASE_URL="$url" AIGUILLAGE_AUDIT_KEY="$(printf "%064d" 7)" RUST_LOG=warn

# Every table's rows, digested in a stable order.
digest() {
  "$bin/psql" -At "$url" -c "SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name" |
    while read -r table; do
      printf '%s %s\n' "$table" "$("$bin/psql" -At "$url" -c \
        "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \"$table\" t")"
    done
}

"$binary" migrate
"$binary" territory import >/dev/null
"$binary" directory import crates/interop/tests/fixtures/exemple-valide.csv | tail -n 1
digest >"$work/before.txt"
"$bin/pg_dump" --format=custom --file="$work/aiguillage.dump" "$url"

"$binary" directory import data/directory/liste-fs-20240801.csv | tail -n 1
digest >"$work/written.txt"
if cmp -s "$work/before.txt" "$work/written.txt"; then
  echo "the drill wrote nothing after the dump: it proves nothing" >&2
  exit 1
fi

"$bin/pg_restore" --clean --if-exists --dbname="$url" "$work/aiguillage.dump"
digest >"$work/after.txt"
if ! diff -u "$work/before.txt" "$work/after.txt"; then
  echo "the restored database differs from the one dumped" >&2
  exit 1
fi
"$binary" migrate
echo "restauration PostgreSQL : $(wc -l <"$work/after.txt") tables retrouvées à l'identique"
"$bin/psql" -q "$base" -c "DROP DATABASE backup_drill"

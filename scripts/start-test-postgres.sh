#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on 127.0.0.1 for the test suite and prints its URL.
# Usage: eval "$(scripts/start-test-postgres.sh)"   (sets AIGUILLAGE_TEST_DATABASE_URL)
set -euo pipefail
port="${AIGUILLAGE_TEST_PG_PORT:-54329}"
dir="${AIGUILLAGE_TEST_PG_DIR:-/tmp/aiguillage-test-pg}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -f "$dir/data/postmaster.pid" ]; then
  as_postgres "$bin/pg_ctl" -D "$dir/data" stop -m fast >/dev/null 2>&1 || true
fi
rm -rf "$dir"
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
echo "export AIGUILLAGE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"

#!/usr/bin/env bash
# Crash consistency (issue 23, « Faults », point 3): `kill -9` at random moments during a directory
# import, a redistribution being applied, pathway closings and the purge, 20 runs each on SQLite and
# on PostgreSQL; after each kill the database passes its integrity checks and the operation is found
# all-or-nothing (unit by unit for the two that commit unit by unit by design), then the application
# completes it. What exactly is proved: the header of scripts/crash-consistency.py.
# Usage: scripts/crash-consistency.sh [--runs N] [--backend sqlite|postgres|both] [--op NAME] [--seed S]
#   AIGUILLAGE_BIN (default target/debug/aiguillage); AIGUILLAGE_TEST_DATABASE_URL for PostgreSQL.
set -euo pipefail
exec python3 "$(dirname "$0")/crash-consistency.py" "$@"

#!/usr/bin/env bash
# The JSON API against its own description (issue 23): schemathesis (PyPI, pinned, in a virtual
# environment) reads /api/openapi.json from a demo instance and sends every operation of it generated
# requests — the documented examples, the boundary values and invalid inputs of its parameters and
# bodies (coverage phase), then random ones (fuzzing) — and checks each answer: no 5xx
# (not_a_server_error), a status the operation documents (status_code_conformance), the documented
# content type, body and headers (content_type_conformance, response_schema_conformance,
# response_headers_conformance). No check is left out and no operation excluded.
#
# The client is authenticated both ways the API knows (see the document's security schemes):
#   - the demo mediator's session cookie (signed in through the login form), with its CSRF token in
#     X-CSRF-Token, for the routes of signed-in professionals (/api/v1/moi, /communes, /lieux…);
#   - the bearer credential of an API client holding every scope (directory:read, indicators:read,
#     activities:read, people:write, referrals:write, vouchers:redeem) acting as that mediator, for
#     the routes partner tools may call (people, referrals, vouchers, indicators). The client reads
#     département 49 (the demo's), so the indicators stay quick on a debug build.
# /healthz, /readyz and /api/v1/ressources are public. Requests are kept under the client's rate limit
# (600 calls a minute) so that the run tests the operations, not the limiter.
#
# Reproducible: deterministic generation (the same test cases every run; no seed, no example database).
# Usage: scripts/schemathesis.sh [BINARY]   (default target/debug/aiguillage)
#   SCHEMATHESIS_MAX_EXAMPLES   test cases per operation and phase (default 10)
#   SCHEMATHESIS_PORT           the demo's port (default 8767)
# Exits non-zero on any failure; the failures are printed with a curl command reproducing each.
set -euo pipefail
trap 'echo "schemathesis.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
binary="${1:-target/debug/aiguillage}"
port="${SCHEMATHESIS_PORT:-8767}"
examples="${SCHEMATHESIS_MAX_EXAMPLES:-10}"
base="http://127.0.0.1:$port"

work="$(mktemp -d)"
demo=""
cleanup() {
  if [ -n "$demo" ]; then
    kill "$demo" 2>/dev/null || true
    wait "$demo" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"

RUST_LOG=warn "$binary" demo --port "$port" --data-dir "$work/demo" >"$work/demo.log" 2>&1 &
demo=$!
for _ in $(seq 1 180); do grep -q 'Arrêt : Ctrl-C.' "$work/demo.log" && break; sleep 1; done
grep -q 'Arrêt : Ctrl-C.' "$work/demo.log" || { cat "$work/demo.log"; echo "demo not ready" >&2; exit 1; }

# The value of the first hidden csrf_token field of a page.
# (The whole page is read first: no pipe closed early under pipefail.)
csrf_of() {
  local page
  page="$(cat)"
  [[ $page =~ name=\"csrf_token\"\ value=\"([^\"]*)\" ]] && printf '%s' "${BASH_REMATCH[1]}"
}

# The demo mediator signs in through the login form (its nonce cookie, then the form).
jar="$work/cookies"
login_csrf="$(curl -sf -c "$jar" -b "$jar" "$base/connexion" | csrf_of)"
curl -sf -o /dev/null -c "$jar" -b "$jar" "$base/connexion" \
  --data-urlencode "csrf_token=$login_csrf" --data-urlencode "suivant=/" \
  --data-urlencode "email=mediateur@demo.aiguillage.fr" \
  --data-urlencode "password=ardoise-tramway-loire-2026"
session="$(awk '$6 == "aiguillage_session" { print $7 }' "$jar")"
[ -n "$session" ] || { echo "the demo mediator could not sign in" >&2; exit 1; }
csrf="$(curl -sf -b "$jar" "$base/compte" | csrf_of)"
account="$(curl -sf -b "$jar" "$base/api/v1/moi" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"

token="$("$binary" api-client add --database-url "sqlite://$work/demo/aiguillage.db" \
  --name "Schemathesis" --account "$account" --territory 49 \
  --scope directory:read,indicators:read,activities:read,people:write,referrals:write,vouchers:redeem | sed -n 3p)"
[ -n "$token" ] || { echo "no API credential" >&2; exit 1; }

status=0
# Run from the work folder: schemathesis keeps its replay cache (.schemathesis/) in the current one.
(
  cd "$work"
  "$work/venv/bin/st" run "$base/api/openapi.json" --url "$base" \
    -H "Cookie: aiguillage_session=$session" -H "X-CSRF-Token: $csrf" -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --phases examples,coverage,fuzzing --max-examples "$examples" \
    --generation-deterministic \
    --rate-limit 500/m --request-timeout 30 --no-color
) || status=$?
# A 5xx the checks saw is a failure already; a panic or an error the server logged is one too.
if grep -qE 'panicked|ERROR' "$work/demo.log"; then
  echo "the server logged an error or a panic:" >&2
  grep -E 'panicked|ERROR' "$work/demo.log" | head -n 20 >&2
  status=1
fi
exit "$status"

#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script). On a fresh machine it installs what
# the tests need (Debian packages postgresql, chromium, chromium-driver, python3-aiosmtpd for the SMTP test; the e2e npm packages), then:
#   1. cargo fmt --check, cargo clippy -D warnings, and cargo deny check (advisories, bans, licences,
#      sources) offline against the RustSec snapshot shipped in data/rustsec-advisory-db/;
#   2. every Rust test on the embedded SQLite backend;
#   3. the same tests again on a real PostgreSQL server started on 127.0.0.1 for the run;
#   4. the end-to-end journey of every demo role in headless Chromium, with axe-core checks, and the
#      ProConnect sign-in against a real OpenID provider (npm oidc-provider) on loopback;
#   5. the directory export (all France services + the standard's example) validated by the reference
#      library of the cartographie nationale (npm @gouvfr-anct/lieux-de-mediation-numerique);
#   6. La Coop's API as served by the demo (/api/coop/v1/…) validated against La Coop's own OpenAPI
#      document by openapi-core (PyPI, pinned, in a virtual environment);
#   7. the JSON API against its own OpenAPI document (/api/openapi.json) by schemathesis (PyPI,
#      pinned), authenticated by a session and by an API client holding every scope
#      (scripts/schemathesis.sh): no 5xx, every answer as documented;
#   8. a short soak (e2e/soak.mjs, 60 s): 64 virtual users loop the journey of a referral through the
#      HTML forms; no error, the server's memory, open files and connections stable;
#   9. the Debian package (cargo-deb, pinned) installed on the machine, its systemd unit run as a
#      service by a real systemd until /readyz answers, then purged (scripts/deb-check.sh);
#  10. two instances on one PostgreSQL, each host a network namespace (scripts/two-instances.sh, as
#      root): a session shared, one acceptance out of 50 concurrent ones, leased jobs run once;
#  11. crash consistency: `kill -9` at random moments of a directory import, a redistribution, pathway
#      closings and the purge, 20 runs each on SQLite and on PostgreSQL (scripts/crash-consistency.sh).
#  12. a short run of every fuzz target (scripts/fuzz-smoke.sh, cargo fuzz, 15 s each): each reader of
#      outside input and the web forms, from a corpus seeded with the repository's real files.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

install_system_packages() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  command -v npm >/dev/null || missing+=(nodejs npm)
  command -v curl >/dev/null || missing+=(curl)
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
  /usr/bin/python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    step "Installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

# cargo-deny, pinned: installed from crates.io when missing or of another version.
CARGO_DENY_VERSION=0.20.2
# The date of the RustSec snapshot in data/rustsec-advisory-db/ (see its README.md).
ADVISORY_SNAPSHOT_DATE=2026-08-21

install_cargo_deny() {
  if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    step "Installing cargo-deny $CARGO_DENY_VERSION (cargo install --locked)"
    # A target folder of its own, so the install neither locks nor fills the workspace's.
    CARGO_TARGET_DIR="$(mktemp -d)" cargo install --locked --quiet cargo-deny --version "$CARGO_DENY_VERSION"
  fi
}

# cargo-deny reads its advisory database as a git checkout named after the database URL, under the
# folder `db-path` of deny.toml points at: one commit of the shipped snapshot, dated from it.
cargo_deny_offline() {
  local dbs
  dbs="$(mktemp -d)"
  local checkout="$dbs/advisory-db-3157b0e258782691"
  mkdir -p "$checkout"
  cp -r data/rustsec-advisory-db/. "$checkout/"
  (
    cd "$checkout"
    git init -q
    git add -A
    GIT_AUTHOR_DATE="${ADVISORY_SNAPSHOT_DATE}T00:00:00Z" GIT_COMMITTER_DATE="${ADVISORY_SNAPSHOT_DATE}T00:00:00Z" \
      git -c user.name=snapshot -c user.email=snapshot@localhost -c commit.gpgsign=false commit -q -m snapshot
  )
  # cargo metadata reads every platform's dependencies, even those never built here: fetch them first
  # (crates.io is reachable), then cargo-deny itself needs no network.
  cargo fetch --locked --quiet
  CARGO_DENY_ADVISORY_DB="$dbs" cargo deny --offline --locked check
  rm -rf "$dbs"
}

stop_postgres() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D /tmp/aiguillage-test-pg/data stop -m fast >/dev/null 2>&1 || true
  else
    "$bin/pg_ctl" -D /tmp/aiguillage-test-pg/data stop -m fast >/dev/null 2>&1 || true
  fi
}

install_system_packages
step "Installing the end-to-end test packages (npm ci)"
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
install_cargo_deny
step "cargo deny check (advisories as of $ADVISORY_SNAPSHOT_DATE, bans, licences, sources)"
cargo_deny_offline

step "Tests on SQLite"
env -u AIGUILLAGE_TEST_DATABASE_URL cargo test --workspace --locked

step "Tests on PostgreSQL"
eval "$(scripts/start-test-postgres.sh)"
trap stop_postgres EXIT
echo "server: $AIGUILLAGE_TEST_DATABASE_URL"
cargo test --workspace --locked

step "End-to-end journeys in headless Chromium"
cargo build --locked -p aiguillage
(cd e2e && node roles.mjs)
step "ProConnect sign-in in headless Chromium against a real OpenID provider (npm oidc-provider) on loopback"
(cd e2e && node proconnect.mjs)

step "PostgreSQL backup procedure drilled (pg_dump, more written, pg_restore, every table as dumped)"
scripts/pg-backup-drill.sh "$AIGUILLAGE_TEST_DATABASE_URL" target/debug/aiguillage

step "Crash consistency: kill -9 during an import, a redistribution, pathway closings and the purge (20 runs each, SQLite and PostgreSQL)"
AIGUILLAGE_BIN=target/debug/aiguillage scripts/crash-consistency.sh --runs 20

step "Fuzzing: every reader of outside input and the forms, 15 s each from the seeded corpus (scripts/fuzz-smoke.sh)"
# The first sanitizer build of the fuzz package (which links the web crate for the forms target, so
# every target's build compiles it) takes about ten minutes on 2 cores.
scripts/fuzz-smoke.sh 15

step "Directory export checked by the cartographie nationale's reference library"
(
  work="$(mktemp -d)"
  export AIGUILLAGE_DATABASE_URL="sqlite://$work/export-check.db" RUST_LOG=warn
  target/debug/aiguillage territory import >/dev/null
  target/debug/aiguillage directory import data/directory/liste-fs-20240801.csv | tail -n 1
  target/debug/aiguillage directory import crates/interop/tests/fixtures/exemple-valide.csv | tail -n 1
  target/debug/aiguillage directory export --format json --output "$work/export.json"
  node e2e/validate-export.mjs "$work/export.json"
  rm -rf "$work"
)

step "La Coop's API checked against La Coop's OpenAPI document (openapi-core)"
(
  work="$(mktemp -d)"
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet --disable-pip-version-check openapi-core==0.23.1
  port=8766
  RUST_LOG=warn target/debug/aiguillage demo --port "$port" --data-dir "$work/demo" >"$work/demo.log" 2>&1 &
  demo=$!
  for _ in $(seq 1 180); do grep -q 'Arrêt : Ctrl-C.' "$work/demo.log" && break; sleep 1; done
  token="$(target/debug/aiguillage api-client add --database-url "sqlite://$work/demo/aiguillage.db" \
    --name "Validation CI" --scope activities:read,directory:read --territory 49 | sed -n 3p)"
  status=0
  "$work/venv/bin/python" scripts/validate-coop-api.py "http://127.0.0.1:$port" "$token" || status=$?
  kill "$demo" 2>/dev/null || true
  wait "$demo" 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
)

step "The JSON API against its own OpenAPI document (schemathesis)"
scripts/schemathesis.sh target/debug/aiguillage

step "Soak: 64 virtual users through the forms for 60 s (e2e/soak.mjs)"
(cd e2e && node soak.mjs --duration 60)

step "Debian package: built, installed, run as a systemd service until /readyz answers, purged"
if [ "$(id -u)" = 0 ]; then
  scripts/deb-check.sh
else
  # It installs a package and boots a container: root only (CI runs this script as root).
  echo "SKIPPED: scripts/deb-check.sh needs root; run it as root to check the package"
fi

step "Two instances on one PostgreSQL, each host a network namespace (ip netns, veth, bridge)"
if [ "$(id -u)" = 0 ]; then
  AIGUILLAGE_BIN=target/debug/aiguillage scripts/two-instances.sh
else
  # It makes network namespaces and a bridge: root only (CI runs this script as root).
  echo "SKIPPED: scripts/two-instances.sh needs root (ip netns); run it as root to check two instances"
fi

step "All checks passed"

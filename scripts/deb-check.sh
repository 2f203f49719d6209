#!/usr/bin/env bash
# Builds the Debian package with cargo-deb, installs it on this machine, runs its systemd unit as a
# service and asks /readyz; then stops it, purges the package and checks nothing is left. Run as root
# (scripts/test.sh calls it; CI runs that as root). Usage: scripts/deb-check.sh
#
# The package is made from the dev profile's binary (target/debug/aiguillage, which the earlier
# steps of scripts/test.sh have built; `cargo build` below is then a no-op): a release build would
# take more than ten minutes here. cargo-deb runs with `--no-build`, so it packages that binary
# (stripped) and never starts a build of its own. DEB_CHECK_SKIP_BUILD=1 skips the `cargo build`
# too, for a binary put in target/debug/ by other means; DEB_CHECK_PORT changes the port the service
# listens on during the check (8779).
#
# This machine is a container whose PID 1 is not systemd, so `systemctl start` cannot reach a
# service manager. The unit is therefore run by a real one: Debian's systemd, booted as PID 1 of a
# systemd-nspawn container whose root is a throw-away overlay of this machine's root (the installed
# package included; every write goes to a tmpfs that vanishes with the container), sharing this
# machine's network. Inside it, as an administrator would on a server:
#   - the first-run commands (territory import, France Services import, first administrator) run
#     with `systemd-run` as the service user with the service's environment file;
#   - `systemctl start aiguillage` starts the unit as installed: its user, environment file, state
#     directory, working directory, and every sandboxing option (namespaces, read-only system,
#     seccomp filter, MemoryDenyWriteExecute, empty capability set…) applied by systemd itself;
#   - /readyz is polled from this machine until 200; the main process's credentials are read from
#     /proc (no capability, no_new_privs, seccomp); `systemd-analyze security` rates the running
#     unit; `systemctl stop` must end it cleanly (KillSignal=SIGINT, the graceful shutdown).
# Not exercised: a boot of a whole machine (only basic.target is reached, so the enablement in
# multi-user.target is checked as the symlink dpkg made, not by booting into that target); the
# package's own `deb-systemd-invoke start` at installation (it runs only where /run/systemd/system
# exists, which it does not here: the check starts the unit itself); the container manager
# withholds a few capabilities from the container's root, which the service has dropped anyway;
# PostgreSQL as the service's database (SQLite, the package's default, is used); package upgrades
# (the restart-after-upgrade fragment) are not run.
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo-deb, pinned: installed from crates.io when missing or of another version.
CARGO_DEB_VERSION=3.8.0
# Where the service listens during the check (8765, 8766, 9431, 54329 serve other steps).
PORT="${DEB_CHECK_PORT:-8779}"
# The highest acceptable `systemd-analyze security` exposure of the unit (0 best, 10 worst).
MAX_EXPOSURE=2.0

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'deb-check: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (it installs a package and boots a container)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || fail "the kernel has no overlay file system"

work="$(mktemp -d /tmp/aiguillage-deb-check.XXXXXX)"
nspawn_pid=""
leader=""

cleanup() {
  local status=$?
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  if [ "$status" != 0 ]; then
    [ -f "$work/container.log" ] && { echo "--- container console (last 40 lines)"; tail -n 40 "$work/container.log"; }
    if dpkg-query -W -f='${Status}' aiguillage 2>/dev/null | grep -q installed; then
      dpkg --purge aiguillage >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$work"
  # systemd-nspawn's own folders on this machine, left empty.
  rmdir /run/systemd/nspawn/propagate /run/systemd/nspawn/locks /run/systemd/nspawn 2>/dev/null || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command inside the container, in every namespace of its PID 1.
inside() { nsenter --target "$leader" --all -- "$@"; }

if [ "${DEB_CHECK_SKIP_BUILD:-}" = 1 ]; then
  [ -x target/debug/aiguillage ] || fail "DEB_CHECK_SKIP_BUILD=1 but no target/debug/aiguillage"
else
  step "Binary of the dev profile (target/debug/aiguillage)"
  cargo build --locked -p aiguillage
fi

if [ "$(cargo deb --version 2>/dev/null)" != "cargo-deb $CARGO_DEB_VERSION" ]; then
  step "Installing cargo-deb $CARGO_DEB_VERSION (cargo install --locked)"
  # A target folder of its own, so the install neither locks nor fills the workspace's.
  tool_target="$(mktemp -d)"
  CARGO_TARGET_DIR="$tool_target" cargo install --locked --quiet cargo-deb --version "$CARGO_DEB_VERSION"
  rm -rf "$tool_target"
fi

step "Debian package (cargo deb --profile dev --no-build)"
# cargo-deb warns that the dev profile is meant for development; the package is the check's, not a
# release's.
if ! cargo deb -p aiguillage --profile dev --no-build --locked --fast --output "$work/" >"$work/cargo-deb.log" 2>&1; then
  cat "$work/cargo-deb.log"
  fail "cargo deb failed"
fi
grep -v -e 'dev profile is not supported' -e 'debug symbols set' "$work/cargo-deb.log" || true
deb="$(ls "$work"/aiguillage_*.deb)"
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'
dpkg-deb --contents "$deb" | awk '{print $1, $2, $6}'

step "Installing it (apt-get install ./…deb) with systemd-container for the run"
dpkg-query -W -f='${Status}' aiguillage 2>/dev/null | grep -q 'ok installed' \
  && fail "aiguillage is already installed on this machine: remove it first"
packages=("$deb")
command -v systemd-nspawn >/dev/null || packages+=(systemd-container)
command -v systemd-analyze >/dev/null || packages+=(systemd)
if [ ${#packages[@]} -gt 1 ]; then apt-get update -q; fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"

step "Installed files, user, conffile and enablement"
unit=/lib/systemd/system/aiguillage.service
for path in /usr/bin/aiguillage "$unit" /etc/aiguillage/aiguillage.env \
  /usr/share/doc/aiguillage/README.md /usr/share/aiguillage/liste-fs-20240801.csv; do
  [ -e "$path" ] || fail "$path is missing"
done
getent passwd aiguillage | grep -q ':/usr/sbin/nologin$' || fail "no system user aiguillage without a shell"
[ "$(stat -c '%U:%G %a' /var/lib/aiguillage)" = "aiguillage:aiguillage 700" ] || fail "/var/lib/aiguillage: $(stat -c '%U:%G %a' /var/lib/aiguillage)"
[ "$(stat -c '%U:%G %a' /etc/aiguillage/aiguillage.env)" = "root:aiguillage 640" ] || fail "aiguillage.env: $(stat -c '%U:%G %a' /etc/aiguillage/aiguillage.env)"
dpkg-query -W -f='${Conffiles}\n' aiguillage | grep -q '/etc/aiguillage/aiguillage.env' || fail "aiguillage.env is no conffile"
[ -L /etc/systemd/system/multi-user.target.wants/aiguillage.service ] || fail "the unit is not enabled"
/usr/bin/aiguillage --version
echo "files, user aiguillage, /var/lib/aiguillage (0700), conffile (0640 root:aiguillage), enabled: ok"

step "The unit checked offline (systemd-analyze verify, security)"
systemd-analyze verify "$unit"
systemd-analyze security --offline=true --no-pager "$unit" | grep -v '^✓'
exposure="$(systemd-analyze security --offline=true --no-pager "$unit" | sed -n 's/.*exposure level for aiguillage.service: \([0-9.]*\).*/\1/p')"
[ -n "$exposure" ] || fail "no exposure level read"
awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }' || fail "exposure $exposure is above $MAX_EXPOSURE"
echo "exposure level $exposure (at most $MAX_EXPOSURE accepted)"

step "Setting the port to $PORT in /etc/aiguillage/aiguillage.env"
sed -i "s/^AIGUILLAGE_PORT=.*/AIGUILLAGE_PORT=$PORT/" /etc/aiguillage/aiguillage.env
grep -q "^AIGUILLAGE_PORT=$PORT$" /etc/aiguillage/aiguillage.env || fail "port not set"
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then fail "port $PORT is taken"; fi

step "Booting systemd in a container on an overlay of this machine's root"
mkdir "$work/layers"
# The overlay's upper layer is a tmpfs of a private mount namespace: nothing the container writes
# reaches this machine's disk, and the mounts vanish with the namespace.
unshare --mount --propagation private -- bash -c '
  set -e
  mount -t tmpfs -o mode=0755 tmpfs "$1"
  mkdir "$1/upper" "$1/work" "$1/root"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$1/root"
  exec systemd-nspawn --quiet --register=no --keep-unit --link-journal=no --console=pipe \
    --machine=aiguillage-deb-check --directory="$1/root" --boot -- systemd.unit=basic.target
' bash "$work/layers" >"$work/container.log" 2>&1 &
nspawn_pid=$!
for _ in $(seq 1 60); do
  leader="$(pgrep --parent "$nspawn_pid" --exact systemd || true)"
  [ -n "$leader" ] && break
  kill -0 "$nspawn_pid" 2>/dev/null || fail "the container did not start"
  sleep 1
done
[ -n "$leader" ] || fail "no systemd in the container after 60 s"
state="$(timeout 120 nsenter --target "$leader" --all -- systemctl is-system-running --wait || true)"
inside systemctl --version | head -n 1
echo "container's PID 1 is systemd (host PID $leader), state: $state"

step "First run as an administrator would: territory, France Services, first administrator"
# The documented way (README.md): the binary as the service user, with the service's environment.
admin() {
  inside systemd-run --quiet --wait --pipe --collect --property=User=aiguillage \
    --property=EnvironmentFile=/etc/aiguillage/aiguillage.env \
    --property=WorkingDirectory=/var/lib/aiguillage --property=UMask=0077 /usr/bin/aiguillage "$@"
}
admin territory import </dev/null | tail -n 1
admin directory import /usr/share/aiguillage/liste-fs-20240801.csv </dev/null | grep 'lieux ajoutés'
structure="$(admin structure list </dev/null | awk -F '\t' '!found && $4 ~ /\(49[0-9][0-9][0-9]\)/ { print $1; found = 1 }')"
[ -n "$structure" ] || fail "no France services in Maine-et-Loire after the import"
echo 'une phrase de passe assez longue pour la vérification' \
  | admin user add --email admin@example.fr --name "Administration" --role administrator \
    --structure-id "$structure" --territory 49

step "systemctl start aiguillage"
inside systemctl start aiguillage.service
started="$(date +%s)"
ready=""
for _ in $(seq 1 120); do
  if ready="$(curl -fsS "http://127.0.0.1:$PORT/readyz" 2>/dev/null)"; then break; fi
  ready=""
  inside systemctl is-active --quiet aiguillage.service || break
  sleep 1
done
inside systemctl status --no-pager --lines=20 aiguillage.service || true
[ -n "$ready" ] || fail "/readyz did not answer 200 within 120 s"
echo "GET /readyz → 200 after $(($(date +%s) - started)) s: $ready"
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || fail "/healthz failed"
echo "GET /healthz → 200"

step "The running service's sandbox"
main_pid="$(inside systemctl show --property=MainPID --value aiguillage.service)"
inside grep -E '^(Uid|Gid|CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$main_pid/status"
inside grep -q '^CapBnd:[[:space:]]*0*$' "/proc/$main_pid/status" || fail "the service holds capabilities"
inside grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$main_pid/status" || fail "no_new_privs is not set"
inside grep -q '^Seccomp:[[:space:]]*2$' "/proc/$main_pid/status" || fail "no seccomp filter"
inside ls -l /var/lib/aiguillage
inside systemd-analyze security --no-pager aiguillage.service | tail -n 1

step "systemctl stop aiguillage"
inside systemctl stop aiguillage.service
inside systemctl show --property=ActiveState --property=Result --property=ExecMainStatus aiguillage.service
[ "$(inside systemctl show --property=Result --value aiguillage.service)" = success ] || fail "the service did not stop cleanly"
inside journalctl --no-pager --output=cat --unit=aiguillage.service | grep -E 'serving|indicator records ready|Stopped' || true

step "Stopping the container"
kill -TERM "$nspawn_pid"
for _ in $(seq 1 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 1; done
kill -0 "$nspawn_pid" 2>/dev/null && fail "the container did not stop within 60 s"
wait "$nspawn_pid" 2>/dev/null || true
nspawn_pid=""
echo "stopped"

step "dpkg --purge aiguillage"
dpkg --purge aiguillage
for path in /usr/bin/aiguillage "$unit" /etc/aiguillage /var/lib/aiguillage /usr/share/aiguillage \
  /usr/share/doc/aiguillage /etc/systemd/system/multi-user.target.wants/aiguillage.service; do
  [ ! -e "$path" ] && [ ! -L "$path" ] || fail "$path is left after the purge"
done
echo "nothing left (the system user aiguillage stays, as Debian advises)"

step "Debian package checked"

#!/usr/bin/env bash
# Several instances, one database (issue 23): two `aiguillage serve` on two hosts and PostgreSQL on a
# third, each host a network namespace made here (`ip netns`, veth pairs on a bridge of the root
# namespace, addresses in 10.231.7.0/24); the client (curl, psql) is the root namespace. It proves:
#   1. sessions live in the database: a session opened by signing in on A is accepted on B (a signed-in
#      page answers 200 with the person's name), and signing out on B ends it on A;
#   2. a referral's transition is decided by the database, not by an instance: 50 concurrent accepts
#      of one waiting referral, 25 sent to A and 25 to B at once, give exactly one acceptance (one 303,
#      49 refusals; one `accept` event in the referral's history, its state `accepted`);
#   3. the daily background jobs that take a lease (purge, accounts' lifecycle) run once between the
#      two instances: both try at start-up, one runs (`done`) and the other skips (`skipped`), as
#      `/metrics` of both and the tables `purge_runs` and `job_leases` show; and the cron command of
#      the daily reminders (`queue remind`, which holds a lease too), started 10 times at once on the
#      two hosts, reminds each late referral once (the reminders announced = the referrals reminded).
# The data: `aiguillage generate` (synthetic referrals over Maine-et-Loire) and the demo mediator's
# account (`aiguillage user add`) in the structure that receives a waiting referral.
# Needs root (ip netns), iproute2, curl and the Debian package postgresql. Cleans up on exit, and
# removes what an aborted run left (namespaces aig2i-*, bridge aig2i-br, /tmp/two-instances-run).
# Usage: scripts/two-instances.sh   (AIGUILLAGE_BIN overrides target/debug/aiguillage)
set -euo pipefail
cd "$(dirname "$0")/.."

binary="$(realpath "${AIGUILLAGE_BIN:-target/debug/aiguillage}")"
prefix=aig2i
net=10.231.7
client_ip="$net.1"
db_ip="$net.10"
a_ip="$net.11"
b_ip="$net.12"
port=8080
work=/tmp/two-instances-run
pg_password="two-instances-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
metrics_token="metrics-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
url="postgres://aiguillage:$pg_password@$db_ip:5432/aiguillage"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
mediator_email=mediateur@demo.aiguillage.fr
mediator_password=ardoise-tramway-loire-2026
mediator_name="Julien Robert"
started=$SECONDS

[ "$(id -u)" = 0 ] || { echo "two-instances: needs root (ip netns)" >&2; exit 1; }
[ -x "$binary" ] || { echo "two-instances: no binary at $binary (cargo build -p aiguillage)" >&2; exit 1; }

say() { printf '%s\n' "$*"; }
fail() { printf 'ÉCHEC : %s\n' "$*" >&2; exit 1; }
in_ns() { local ns="$1"; shift; ip netns exec "$prefix-$ns" "$@"; }
sql() { "$pgbin/psql" -X -At -v ON_ERROR_STOP=1 "$url" -c "$1"; }

# Stops what runs in the namespaces (PostgreSQL first, cleanly), then removes them, the bridge and
# the work folder. Also run first, for the leftovers of an aborted run.
cleanup() {
  if [ -f "$work/pg/data/postmaster.pid" ]; then
    in_ns db runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" stop -m fast >/dev/null 2>&1 || true
  fi
  local ns pids
  for ns in a b db; do
    ip netns list | grep -qw "$prefix-$ns" || continue
    pids="$(ip netns pids "$prefix-$ns" || true)"
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086 # one id a word
      kill $pids 2>/dev/null || true
      for _ in $(seq 1 50); do
        [ -z "$(ip netns pids "$prefix-$ns" || true)" ] && break
        sleep 0.1
      done
      pids="$(ip netns pids "$prefix-$ns" || true)"
      # shellcheck disable=SC2086
      [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    fi
    ip netns del "$prefix-$ns" 2>/dev/null || true
  done
  ip link del "$prefix-br" 2>/dev/null || true
  rm -rf "$work"
}

on_exit() {
  local status=$?
  if [ "$status" != 0 ]; then
    for log in "$work/a.log" "$work/b.log" "$work/pg/server.log" "$work/generate.log"; do
      [ -f "$log" ] && { echo "--- fin de $log"; tail -n 20 "$log"; }
    done
  fi
  cleanup
  exit "$status"
}

cleanup
trap on_exit EXIT
mkdir -p "$work"

# The network: a bridge in the root namespace (the client, $client_ip) and one veth pair per host.
ip link add "$prefix-br" type bridge
ip addr add "$client_ip/24" dev "$prefix-br"
ip link set "$prefix-br" up
for host in db:$db_ip a:$a_ip b:$b_ip; do
  ns="${host%%:*}"
  address="${host#*:}"
  ip netns add "$prefix-$ns"
  ip link add "$prefix-$ns" type veth peer name "$prefix-$ns-in"
  ip link set "$prefix-$ns" master "$prefix-br" up
  ip link set "$prefix-$ns-in" netns "$prefix-$ns"
  in_ns "$ns" ip link set "$prefix-$ns-in" name eth0
  in_ns "$ns" ip addr add "$address/24" dev eth0
  in_ns "$ns" ip link set eth0 up
  in_ns "$ns" ip link set lo up
done
say "réseau : client $client_ip, PostgreSQL $db_ip, instance A $a_ip, instance B $b_ip (espaces de noms $prefix-db, $prefix-a, $prefix-b)"

# PostgreSQL in its namespace, on its veth address only; pg_hba lets the two instances and the client in.
mkdir -p "$work/pg"
chown postgres "$work/pg"
in_ns db runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
  >"$work/pg/initdb.log" 2>&1
cat >"$work/pg/data/pg_hba.conf" <<EOF
local all postgres trust
host aiguillage aiguillage $a_ip/32 scram-sha-256
host aiguillage aiguillage $b_ip/32 scram-sha-256
host aiguillage aiguillage $client_ip/32 scram-sha-256
EOF
in_ns db runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w \
  -o "-p 5432 -k $work/pg -c listen_addresses=$db_ip -c fsync=off -c max_connections=100" start >/dev/null
in_ns db runuser -u postgres -- "$pgbin/psql" -X -q -h "$work/pg" -p 5432 -U postgres \
  -c "CREATE ROLE aiguillage LOGIN PASSWORD '$pg_password'" -c "CREATE DATABASE aiguillage OWNER aiguillage"
for host in "$client_ip" a b; do # each app host, and the client, reaches PostgreSQL over the bridge
  if [ "$host" = "$client_ip" ]; then check=(); else check=(ip netns exec "$prefix-$host"); fi
  "${check[@]}" "$pgbin/pg_isready" -q -h "$db_ip" -p 5432 -U aiguillage -d aiguillage -t 5 || fail "PostgreSQL injoignable depuis $host"
done
say "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') sur $db_ip:5432 (pg_hba : $a_ip, $b_ip, $client_ip)"

# The data: synthetic referrals over Maine-et-Loire, and the demo mediator in the structure that
# receives the first waiting one.
# The audit key is the instance's, outside the database: both instances share it.
AIGUILLAGE_AUDIT_KEY="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
export AIGUILLAGE_AUDIT_KEY RUST_LOG=warn
"$binary" --database-url "$url" generate --people 200 --offers 10 >"$work/generate.log" 2>&1
read -r referral structure <<<"$(sql "SELECT id || ' ' || receiver_structure_id FROM referrals
  WHERE state = 'sent' ORDER BY id LIMIT 1")"
[ -n "$referral" ] || fail "aucune orientation en attente dans les données générées"
printf '%s\n' "$mediator_password" | "$binary" --database-url "$url" user add --email "$mediator_email" \
  --name "$mediator_name" --role mediator --structure-id "$structure" --territory 49 >/dev/null 2>&1
say "données : $(sql "SELECT count(*) FROM referrals") orientations générées ; orientation n° $referral en attente, reçue par la structure n° $structure dont $mediator_email est médiateur"

# The two instances, started together so that their background jobs try at the same moment.
# (`ip netns exec` and `env` exec in turn, so that `$!` is the server's own process id.)
start_instance() {
  local ns="$1" address="$2"
  ip netns exec "$prefix-$ns" env AIGUILLAGE_DATABASE_URL="$url" AIGUILLAGE_METRICS_TOKEN="$metrics_token" \
    RUST_LOG=info AIGUILLAGE_LOG_FORMAT=json "$binary" serve --bind "$address" --port "$port" --public-url "http://$address:$port" \
    --operator-name "Essai deux instances" >"$work/$ns.log" 2>&1 &
}
start_instance a "$a_ip"
a_pid=$!
start_instance b "$b_ip"
b_pid=$!
A="http://$a_ip:$port"
B="http://$b_ip:$port"
for base in "$A" "$B"; do
  for _ in $(seq 1 240); do # ready once the indicator records are loaded
    curl -sf -o /dev/null "$base/readyz" && break
    sleep 0.5
  done
  curl -sf -o /dev/null "$base/readyz" || fail "$base/readyz ne répond pas"
done
say "instances : A (pid $a_pid) sur $A, B (pid $b_pid) sur $B, une seule base"

# 1. A session opened on A is used on B.
cookie_of() { sed -n "s/^set-cookie: $1=\([^;]*\);.*/\1/Ip" "$2" | tail -n 1; }
curl -sf -D "$work/login-form.h" -o "$work/login-form.html" "$A/connexion"
nonce="$(cookie_of __Host-aiguillage_csrf "$work/login-form.h")"
[ -n "$nonce" ] || fail "pas de jeton du formulaire de connexion sur A"
status="$(curl -s -D "$work/login.h" -o /dev/null -w '%{http_code}' -H "Cookie: __Host-aiguillage_csrf=$nonce" \
  --data-urlencode "csrf_token=$nonce" --data-urlencode suivant=/compte \
  --data-urlencode "email=$mediator_email" --data-urlencode "password=$mediator_password" "$A/connexion")"
session="$(cookie_of aiguillage_session "$work/login.h")"
[ "$status" = 303 ] && [ -n "$session" ] || fail "connexion sur A : $status, sans session"
page_status() { curl -s -o "$3" -w '%{http_code}' -H "Cookie: aiguillage_session=$session" "$1$2"; }
on_b="$(page_status "$B" /compte "$work/compte-b.html")"
[ "$on_b" = 200 ] && grep -q "$mediator_name" "$work/compte-b.html" ||
  fail "la session ouverte sur A n'est pas reconnue sur B (/compte : $on_b)"
on_a="$(page_status "$A" /compte "$work/compte-a.html")"
[ "$on_a" = 200 ] || fail "/compte sur A : $on_a"
say "1. session : connexion sur A (303), puis /compte sur B → $on_b « $mediator_name », sur A → $on_a"

# 2. 50 concurrent accepts of the waiting referral, 25 on A and 25 on B, in one curl --parallel.
page="$(page_status "$B" "/orientations/$referral" "$work/referral.html")"
[ "$page" = 200 ] || fail "/orientations/$referral sur B : $page"
csrf="$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$work/referral.html" | head -n 1)"
version="$(sed -n 's/.*name="version" value="\([^"]*\)".*/\1/p' "$work/referral.html" | head -n 1)"
grep -q 'value="accepter"' "$work/referral.html" || fail "pas de bouton « Accepter » sur l'orientation $referral"
{
  for i in $(seq 1 50); do
    [ "$i" -gt 1 ] && echo "next"
    if [ $((i % 2)) = 1 ]; then base="$A"; else base="$B"; fi
    echo "url = \"$base/orientations/$referral\""
    echo "header = \"Cookie: aiguillage_session=$session\""
    echo "data = \"csrf_token=$csrf&version=$version&action=accepter\""
    echo "output = \"/dev/null\""
    echo "write-out = \"%{http_code} %{url_effective} %{time_total}\\n\""
  done
} >"$work/accepts.curl"
curl -s --parallel --parallel-immediate --parallel-max 50 -K "$work/accepts.curl" >"$work/accepts.txt" \
  2>"$work/accepts.err" || true
answered="$(wc -l <"$work/accepts.txt")"
won="$(grep -c '^303 ' "$work/accepts.txt" || true)"
refused="$(grep -c '^409 ' "$work/accepts.txt" || true)"
won_a="$(grep -c "^303 $A/" "$work/accepts.txt" || true)"
won_b="$(grep -c "^303 $B/" "$work/accepts.txt" || true)"
other="$(grep -v -c '^\(303\|409\) ' "$work/accepts.txt" || true)"
events="$(sql "SELECT count(*) FROM referral_events WHERE referral_id = $referral AND event = 'accept'")"
state="$(sql "SELECT state || ' (version ' || version || ')' FROM referrals WHERE id = $referral")"
slowest="$(awk '{ if ($3 > max) max = $3 } END { printf "%d", max * 1000 }' "$work/accepts.txt")"
say "2. 50 acceptations concurrentes (25 sur A, 25 sur B) : $won réussie (A : $won_a, B : $won_b), $refused refusées (409), $other autre(s) ; en base : $events événement « accept », état $state ; les 50 réponses en $slowest ms au plus"
[ "$answered" = 50 ] && [ "$won" = 1 ] && [ "$refused" = 49 ] && [ "$events" = 1 ] && [[ "$state" == accepted* ]] ||
  { sort "$work/accepts.txt" | uniq -c | sed 's/^/   /'; fail "une et une seule acceptation attendue"; }

# Signing out on B ends the session on A too.
logout="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: aiguillage_session=$session" \
  --data "csrf_token=$csrf" "$B/deconnexion")"
after="$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "Cookie: aiguillage_session=$session" "$A/compte")"
[[ "$after" == 303*connexion* ]] || fail "après la déconnexion sur B, /compte sur A : $after"
say "   déconnexion sur B ($logout), puis /compte sur A → $after"

# 3. The daily jobs with a lease: both instances tried at start-up; one ran, the other skipped.
runs() { # instance job outcome → the counter, 0 when absent
  curl -sf -H "Authorization: Bearer $metrics_token" "$1/metrics" |
    grep "^background_job_runs_total{" | grep "job=\"$2\"" | grep "outcome=\"$3\"" | awk '{print $2}' | head -n 1 |
    grep . || echo 0
}
for _ in $(seq 1 60); do
  ready=1
  for base in "$A" "$B"; do
    for job in purge account_lifecycle; do
      [ "$(($(runs "$base" $job done) + $(runs "$base" $job skipped) + $(runs "$base" $job failed)))" -ge 1 ] || ready=0
    done
  done
  [ "$ready" = 1 ] && break
  sleep 0.5
done
# The moment each instance started its jobs (its « serving » log line, just before it spawns them).
serving_at() { date -d "$(grep -m 1 '"message":"serving"' "$1" | sed 's/.*"timestamp":"\([^"]*\)".*/\1/')" +%s%3N; }
gap=$(($(serving_at "$work/a.log") - $(serving_at "$work/b.log")))
say "3. travaux de fond, lancés par A et B à ${gap#-} ms d'écart (/metrics, background_job_runs_total) :"
for job in purge account_lifecycle; do
  declare -A count=()
  for outcome in done skipped failed; do
    count[a_$outcome]="$(runs "$A" $job $outcome)"
    count[b_$outcome]="$(runs "$B" $job $outcome)"
  done
  say "   $job : A done ${count[a_done]}, skipped ${count[a_skipped]} ; B done ${count[b_done]}, skipped ${count[b_skipped]}"
  [ "$((count[a_done] + count[b_done]))" = 1 ] && [ "$((count[a_skipped] + count[b_skipped]))" = 1 ] &&
    [ "$((count[a_failed] + count[b_failed]))" = 0 ] || fail "$job : une exécution et un renoncement attendus"
  unset count
done
purge_runs="$(sql "SELECT count(*) FROM purge_runs")"
holder="$(sql "SELECT holder FROM job_leases WHERE name = 'account_lifecycle'")"
case "$holder" in
  "serve-$a_pid-"*) holder_name=A ;;
  "serve-$b_pid-"*) holder_name=B ;;
  *) fail "bail account_lifecycle inattendu : « $holder »" ;;
esac
[ "$purge_runs" = 1 ] || fail "purge_runs : $purge_runs exécution(s), 1 attendue"
say "   en base : $purge_runs ligne dans purge_runs ; bail account_lifecycle tenu par $holder_name ($holder)"
session_purges="$(($(runs "$A" session_purge done) + $(runs "$B" session_purge done)))"
say "   (session_purge, sans bail et idempotente, a tourné sur les deux : $session_purges)"

# The cron command of the daily reminders, started at once on both hosts (5 runs each): it holds a
# lease, so the runs never overlap, and each late referral is reminded once between them all.
before="$(sql "SELECT count(*) FROM referrals WHERE reminded_version IS NOT NULL")"
reminders=()
for i in $(seq 1 10); do
  if [ $((i % 2)) = 1 ]; then ns=a; else ns=b; fi
  ip netns exec "$prefix-$ns" "$binary" --database-url "$url" queue remind >"$work/remind-$i.txt" 2>&1 &
  reminders+=($!)
done
wait_status=0
for job in "${reminders[@]}"; do wait "$job" || wait_status=1; done
[ "$wait_status" = 0 ] || { cat "$work"/remind-*.txt; fail "queue remind a échoué"; }
ran="$(cat "$work"/remind-*.txt | grep -c "orientation(s) en retard signalée(s)" || true)"
leased="$(cat "$work"/remind-*.txt | grep -c "Une autre relance est en cours" || true)"
reported="$(cat "$work"/remind-*.txt | sed -n 's/^\([0-9]*\) orientation(s) en retard.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')"
reminded="$(($(sql "SELECT count(*) FROM referrals WHERE reminded_version IS NOT NULL") - before))"
say "   relances (queue remind, 10 lancements simultanés, 5 sur A et 5 sur B) : $ran ont relancé, $leased ont trouvé le bail pris ; $reported relances annoncées pour $reminded orientations relancées"
[ "$((ran + leased))" = 10 ] && [ "$reminded" -gt 0 ] && [ "$reported" = "$reminded" ] ||
  fail "chaque orientation en retard relancée une fois attendu"

say "deux instances, une base : tout est prouvé en $((SECONDS - started)) s"

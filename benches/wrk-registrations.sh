#!/usr/bin/env bash
# Registrations measured by wrk, a client independent of the load
# generator (benches/load.rs), to show that the generator is not the limit.
# Starts the release server on a fresh database (SQLite; PostgreSQL with
# BENCH_POSTGRES_URL, a database made and dropped on that server), makes a
# conference and an organisation, then runs wrk for SECS seconds with
# CONNS connections, each request a new person:
#
#   cargo build --release && bash benches/wrk-registrations.sh
#   CONNS=128 PAYMENT=invoice BENCH_POSTGRES_URL=postgres://… bash benches/wrk-registrations.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BENCH_SERVER_BIN:-target/release/plenary}
CONNS=${CONNS:-32}
SECS=${SECS:-15}
PAYMENT=${PAYMENT:-cheque}
PORT=${PORT:-18080}
dir=$(mktemp -d)
pid=
db=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$db" ] && psql -q "$BENCH_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  rm -rf "$dir"
}
trap cleanup EXIT
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  db=plenary_wrk_$$
  psql -q "$BENCH_POSTGRES_URL" -c "CREATE DATABASE $db"
  export DATABASE_URL="${BENCH_POSTGRES_URL%/*}/$db"
else
  export DATABASE_URL="sqlite://$dir/plenary.db"
fi
export PLENARY_LISTEN=127.0.0.1:$PORT PLENARY_MAIL_DIR=$dir/mail RUST_LOG=warn
# As benches/load.rs runs it.
export PLENARY_POOL_SIZE=${PLENARY_POOL_SIZE:-16}
"$BIN" create-staff --email bench@party.example --password 'benchmark password' >/dev/null
"$BIN" serve 2>"$dir/server.log" &
pid=$!
base=http://127.0.0.1:$PORT
until curl -sf "$base/healthz" >/dev/null; do sleep 0.1; done
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@party.example","password":"benchmark password"}' | jq -r .token)
y=$(( $(date +%Y) + 1 ))
conference=$(curl -sf -X POST "$base/api/v1/conferences" -H "authorization: Bearer $token" \
  -H 'content-type: application/json' -d @- <<JSON | jq -r .id
{"slug": "wrk", "name": "Benchmark Conference", "venue": "Loopback",
 "timezone": "Europe/London", "starts_on": "$y-09-09", "ends_on": "$y-09-11", "currency": "GBP",
 "deadlines": {"registration": "$y-08-22", "motions": "$y-04-04", "amendments": "$y-08-01",
   "policy_submissions": "$y-08-01", "cac_nominations": "$y-08-01", "award_nominations": "$y-08-01"},
 "price_tiers": [
   {"code": "early", "name": "Early bird", "until": "$y-06-30", "pass_fee": "90.00", "dinner_fee": "45.00"},
   {"code": "standard", "name": "Standard", "until": null, "pass_fee": "110.00", "dinner_fee": "45.00"}],
 "cac": {"vacancies": 2, "excluded_regions": []}}
JSON
)
# 32 organisations, as benches/load.rs makes, taken in turn.
organisations=
for i in $(seq 0 31); do
  org=$(curl -sf -X POST "$base/api/v1/organisations" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' \
    -d "{\"name\":\"Bench Party $i\",\"kind\":\"local_party\",\"region\":\"Wales\",\"contact_email\":\"sec$i@bench.example\"}" | jq -r .id)
  organisations="$organisations${organisations:+,}$org"
done
WRK_TOKEN=$token WRK_ORGANISATIONS=$organisations WRK_PAYMENT=$PAYMENT \
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s benches/wrk-registrations.lua \
  "$base/api/v1/conferences/$conference/registrations"
echo "server peak RSS: $(grep VmHWM /proc/$pid/status)"

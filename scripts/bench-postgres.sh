#!/usr/bin/env bash
# Open311 POST throughput and p99 on PostgreSQL (one hub instance, then two sharing it and Redis),
# event delivery latency between the two instances, and the baseline of the same server: pgbench
# running single-row INSERT transactions from as many clients. Each run also prints the CPU time
# spent per report (per transaction for pgbench) by the hub, PostgreSQL, Redis and the load
# generator. Each run uses databases of its own and drops them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PGURL=${CITYHUB_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${CITYHUB_BENCH_REDIS:-redis://127.0.0.1:6379/0}
CLIENTS=${CLIENTS:-32}
N=${N:-20000}
suffix=$$_$RANDOM
hubdb=cityhub_bench_$suffix
hubdb2=cityhub_bench2_$suffix
hubdb3=cityhub_bench3_$suffix
basedb=cityhub_pgbench_$suffix
psql_admin() { psql "$PGURL/postgres" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
cleanup() {
	psql_admin "DROP DATABASE IF EXISTS $hubdb WITH (FORCE)" || true
	psql_admin "DROP DATABASE IF EXISTS $hubdb2 WITH (FORCE)" || true
	psql_admin "DROP DATABASE IF EXISTS $hubdb3 WITH (FORCE)" || true
	psql_admin "DROP DATABASE IF EXISTS $basedb WITH (FORCE)" || true
}
trap cleanup EXIT
psql_admin "CREATE DATABASE $hubdb"
psql_admin "CREATE DATABASE $hubdb2"
psql_admin "CREATE DATABASE $hubdb3"
psql_admin "CREATE DATABASE $basedb"

echo "== cityhub on PostgreSQL: 1 instance, Redis, $CLIENTS clients"
go run ./cmd/loadtest -db "$PGURL/$hubdb?sslmode=disable" -redis "$REDIS" -instances 1 -n "$N" -c "$CLIENTS"

# wrk (Debian package wrk) is the C counterpart of pgbench: the Go client costs the shared CPU
# several times what wrk does per request.
if command -v wrk >/dev/null; then
	echo "== cityhub on PostgreSQL: 1 instance, Redis, $CLIENTS connections from wrk, 15 s"
	go run ./cmd/loadtest -wrk "$(command -v wrk)" -duration 15s -db "$PGURL/$hubdb3?sslmode=disable" -redis "$REDIS" -c "$CLIENTS"
else
	echo "== wrk is not installed (apt-get install wrk): no run with wrk"
fi

echo "== cityhub on PostgreSQL: 2 instances, Redis, $CLIENTS clients"
go run ./cmd/loadtest -db "$PGURL/$hubdb2?sslmode=disable" -redis "$REDIS" -instances 2 -n "$N" -c "$CLIENTS"

echo "== baseline: pgbench, single-row INSERT transactions, $CLIENTS clients, same server, 15 s"
go run ./cmd/loadtest -pgbench "$(command -v pgbench)" -db "$PGURL/$basedb?sslmode=disable" -c "$CLIENTS" -duration 15s

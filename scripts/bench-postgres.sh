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
hubdb4=cityhub_bench4_$suffix
hubdb5=cityhub_bench5_$suffix
hubdb6=cityhub_bench6_$suffix
basedb=cityhub_pgbench_$suffix
psql_admin() { psql "$PGURL/postgres" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
cleanup() {
	psql_admin "DROP DATABASE IF EXISTS $hubdb WITH (FORCE)" || true
	psql_admin "DROP DATABASE IF EXISTS $hubdb2 WITH (FORCE)" || true
	psql_admin "DROP DATABASE IF EXISTS $hubdb3 WITH (FORCE)" || true
	psql_admin "DROP DATABASE IF EXISTS $hubdb4 WITH (FORCE)" || true
	psql_admin "DROP DATABASE IF EXISTS $hubdb5 WITH (FORCE)" || true
	psql_admin "DROP DATABASE IF EXISTS $hubdb6 WITH (FORCE)" || true
	psql_admin "DROP DATABASE IF EXISTS $basedb WITH (FORCE)" || true
}
trap cleanup EXIT
psql_admin "CREATE DATABASE $hubdb"
psql_admin "CREATE DATABASE $hubdb2"
psql_admin "CREATE DATABASE $hubdb3"
psql_admin "CREATE DATABASE $hubdb4"
psql_admin "CREATE DATABASE $hubdb5"
psql_admin "CREATE DATABASE $hubdb6"
psql_admin "CREATE DATABASE $basedb"
log=$(mktemp)
tools=$(mktemp -d)
loadtest=$tools/loadtest
trap 'cleanup; rm -rf "$log" "$tools"' EXIT
go build -o "$loadtest" ./cmd/loadtest

# run TITLE ARGS... runs the load tool with a title that the summary repeats.
run() {
	local title=$1
	shift
	echo "== $title" | tee -a "$log"
	"$loadtest" "$@" | tee -a "$log"
}

# The machine's speed moves within minutes, so the baseline is measured before and after the
# hub's runs, and each run is compared with the mean of the two.
baseline() {
	run "baseline: pgbench, single-row INSERT transactions, $CLIENTS clients, same server, 15 s" \
		-pgbench "$(command -v pgbench)" -db "$PGURL/$basedb?sslmode=disable" -c "$CLIENTS" -duration 15s
}

baseline
run "1 instance, Redis, $CLIENTS clients (Go)" \
	-db "$PGURL/$hubdb?sslmode=disable" -redis "$REDIS" -instances 1 -n "$N" -c "$CLIENTS"

# wrk (Debian package wrk) is the C counterpart of pgbench: the Go client costs the shared CPU
# several times what wrk does per request.
if command -v wrk >/dev/null; then
	run "1 instance, Redis, $CLIENTS connections (wrk), 15 s" \
		-wrk "$(command -v wrk)" -duration 15s -db "$PGURL/$hubdb3?sslmode=disable" -redis "$REDIS" -c "$CLIENTS"
	# The same with a command-centre console open, as in service: the hub then reads every event
	# back from the store and sends it on.
	run "1 instance, Redis, $CLIENTS connections (wrk), a console open, 15 s" \
		-wrk "$(command -v wrk)" -duration 15s -db "$PGURL/$hubdb5?sslmode=disable" -redis "$REDIS" -c "$CLIENTS" -consoles
	# The same at saturation: with more requests in flight the batches grow (up to 64 writes) and a
	# report costs less. pgbench cannot follow: the server takes 100 connections.
	run "1 instance, Redis, $((4 * CLIENTS)) connections (wrk), 15 s" \
		-wrk "$(command -v wrk)" -duration 15s -db "$PGURL/$hubdb4?sslmode=disable" -redis "$REDIS" -c $((4 * CLIENTS))
else
	echo "== wrk is not installed (apt-get install wrk): no run with wrk"
fi

run "2 instances, Redis, $CLIENTS clients (Go)" \
	-db "$PGURL/$hubdb2?sslmode=disable" -redis "$REDIS" -instances 2 -n "$N" -c "$CLIENTS"
run "WeChat: 200 conversations, 1 instance, Redis (the conversations' KV)" \
	-wechat 200 -db "$PGURL/$hubdb6?sslmode=disable" -redis "$REDIS"
psql_admin "DROP DATABASE IF EXISTS $basedb WITH (FORCE)"
psql_admin "CREATE DATABASE $basedb"
baseline

echo "== summary: Open311 POST throughput against the mean of the two pgbench runs (target: at least half)"
awk '
	/^== / { title = substr($0, 4) }
	/ tps$/ { tps[++runs] = $(NF - 1) }
	/throughput .* reports\/s/ { name[++n] = title; rate[n] = $2 }
	END {
		if (runs != 2) { print "  no baseline"; exit }
		mean = (tps[1] + tps[2]) / 2
		printf "  pgbench: %.0f and %.0f tps, mean %.0f\n", tps[1], tps[2], mean
		for (i = 1; i <= n; i++) printf "  %-62s %6.0f reports/s  %3.0f%%\n", name[i], rate[i], 100 * rate[i] / mean
	}' "$log"

# SPLIT_CORES=1: the database server on CPU 0 alone and everything else (the load generator, the
# hub, Redis, pgbench) on the other CPUs, as when the hubs run on machines of their own. pgbench
# and one hub instance (wrk) alternate twice; each hub run is compared with the pgbench run just
# before it. It changes the CPU affinity of the server's and Redis's processes (it needs the right
# to, and taskset), and gives every CPU back to them at the end.
if [ "${SPLIT_CORES:-}" = 1 ] && command -v taskset >/dev/null && command -v wrk >/dev/null && [ "$(nproc)" -ge 2 ]; then
	all=0-$(($(nproc) - 1))
	others=1-$(($(nproc) - 1))
	pin() { # pin PROCESS-NAME CPUS
		for pid in $(pgrep -x "$1"); do taskset -a -cp "$2" "$pid" >/dev/null || true; done
	}
	split_log=$(mktemp)
	trap 'pin postgres "$all"; pin redis-server "$all"; cleanup; rm -rf "$log" "$tools" "$split_log"' EXIT
	pin postgres 0
	pin redis-server "$others"
	pinned=$(taskset -cp "$(pgrep -x postgres | head -1)" | awk -F': ' '{print $2}')
	if [ "$pinned" != 0 ]; then
		echo "== split cores: the server's CPU affinity could not be set (it reads $pinned): no split-cores runs"
	fi
	for pair in 1 2; do
		[ "$pinned" = 0 ] || break
		psql_admin "DROP DATABASE IF EXISTS $basedb WITH (FORCE)"
		psql_admin "CREATE DATABASE $basedb"
		psql_admin "DROP DATABASE IF EXISTS $hubdb3 WITH (FORCE)"
		psql_admin "CREATE DATABASE $hubdb3"
		echo "== split cores, pair $pair: pgbench, $CLIENTS clients, 15 s" | tee -a "$split_log"
		taskset -c "$others" "$loadtest" -pgbench "$(command -v pgbench)" -db "$PGURL/$basedb?sslmode=disable" \
			-c "$CLIENTS" -duration 15s | tee -a "$split_log"
		echo "== split cores, pair $pair: 1 instance, Redis, $CLIENTS connections (wrk), 15 s" | tee -a "$split_log"
		taskset -c "$others" "$loadtest" -wrk "$(command -v wrk)" -duration 15s -db "$PGURL/$hubdb3?sslmode=disable" \
			-redis "$REDIS" -c "$CLIENTS" | tee -a "$split_log"
	done
	pin postgres "$all"
	pin redis-server "$all"
	echo "== summary, split cores: each hub run against the pgbench run before it"
	awk '/ tps$/ { tps = $(NF - 1) }
		/throughput .* reports\/s/ { printf "  pgbench %.0f tps, hub %.0f reports/s: %.0f%%\n", tps, $2, 100 * $2 / tps }' "$split_log"
fi

#!/usr/bin/env bash
# Moving up at scale: seeds a SQLite district with CASES cases (default 100,000), appends its events
# to the audit log and signs a checkpoint (`cityhub audit checkpoint`), copies it to a fresh
# PostgreSQL database with `cityhub migrate` (which audits the copy), audits the copy again against
# the checkpoint taken before the move (`cityhub audit verify --since-checkpoint`), and drops the
# database.
set -euo pipefail
cd "$(dirname "$0")/.."
PGURL=${CITYHUB_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
CASES=${CASES:-100000}
db=cityhub_migrate_$$_$RANDOM
dir=$(mktemp -d)
psql_admin() { psql "$PGURL/postgres" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
cleanup() { psql_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; rm -rf "$dir"; }
trap cleanup EXIT
make -s build
go run ./cmd/seed --data "$dir" --cases "$CASES"
bin/cityhub audit keygen --data "$dir" >"$dir/audit.pub"
echo "== audit checkpoint on the source (appends every event to the log)"
time bin/cityhub audit checkpoint --data "$dir" >"$dir/checkpoint"
head -2 "$dir/checkpoint"
psql_admin "CREATE DATABASE $db"
dsn="$PGURL/$db?sslmode=disable"
echo "== migrate"
time bin/cityhub migrate --from "$dir/cityhub.db" --to "$dsn" | tail -2
echo "== audit verify on the copy, against the checkpoint taken before the move"
time bin/cityhub audit verify --db "$dsn" --since-checkpoint "$dir/checkpoint" --audit-pubkey "$dir/audit.pub"

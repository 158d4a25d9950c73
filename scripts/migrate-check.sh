#!/usr/bin/env bash
# Moving up at scale: seeds a SQLite district with CASES cases (default 100,000), copies it to a
# fresh PostgreSQL database with `cityhub migrate`, verifies every hash chain of the copy with
# `cityhub audit verify`, and drops the database.
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
psql_admin "CREATE DATABASE $db"
dsn="$PGURL/$db?sslmode=disable"
echo "== migrate"
time bin/cityhub migrate --from "$dir/cityhub.db" --to "$dsn" | tail -2
echo "== audit verify on the copy"
time bin/cityhub audit verify --db "$dsn"

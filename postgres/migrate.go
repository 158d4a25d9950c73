package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Migrations are numbered files, 0001_name.sql, 0002_name.sql, ...; they are append-only.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaNewer is the error of Open for a database written by a newer binary.
var ErrSchemaNewer = errors.New("postgres: the database schema is newer than this binary knows")

// Advisory lock keys of the store, all in the two-int4 key space under lockSpace ("city"). The
// key space of the event-writer registrations (regBase, write.go) is kept clear of it.
const (
	lockSpace     = 0x63697479
	lockEventIDs  = 1 // session lock around xid assignment and event id drawing
	lockMigration = 2 // transaction lock of a migration step
	lockAuditLog  = 3 // transaction lock of an append to the audit log (auditlog.go)
)

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order, checking that they are numbered 1..n.
func migrations() ([]migration, error) {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgres: migration %s: name must be NNNN_what.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: migration %s: want number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the migrations the database has not seen yet, each in its own transaction.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for {
		done, err := migrateStep(ctx, pool, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next migration in one transaction, which first takes a transaction
// advisory lock: instances that start at once on one database take turns, and each reads the
// version only once it holds the lock (READ COMMITTED: the statement after the lock sees what the
// previous holder committed), so every migration is applied exactly once. It reports whether the
// schema was already current.
func migrateStep(ctx context.Context, pool *pgxpool.Pool, ms []migration) (done bool, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", lockSpace, lockMigration); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var v int
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
			return err
		}
		if v > len(ms) {
			return fmt.Errorf("%w: the database is at version %d, this binary knows up to %d; run a newer cityhub",
				ErrSchemaNewer, v, len(ms))
		}
		if v == len(ms) {
			done = true
			return nil
		}
		m := ms[v]
		// The simple protocol runs a file of several statements in one round trip.
		if _, err := tx.Exec(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
		return err
	})
	if err != nil && !errors.Is(err, ErrSchemaNewer) {
		return false, storeErr(err, "postgres: the schema could not be migrated")
	}
	return done, err
}

package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are numbered files, 0001_name.sql, 0002_name.sql, ...; they are append-only.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaNewer is the error of Open for a database written by a newer binary.
var ErrSchemaNewer = errors.New("sqlite: the database schema is newer than this binary knows")

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
		m, err := readMigration(e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migration %s: want number %d", m.name, i+1)
		}
	}
	return ms, nil
}

func readMigration(name string) (migration, error) {
	num, _, ok := strings.Cut(name, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return migration{}, fmt.Errorf("sqlite: migration %s: name must be NNNN_what.sql", name)
	}
	b, err := migrationFiles.ReadFile(path.Join("migrations", name))
	if err != nil {
		return migration{}, err
	}
	return migration{version: v, name: name, sql: string(b)}, nil
}

// migrate applies the migrations db has not seen yet, each in its own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	const ddl = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	for {
		done, err := migrateOne(ctx, db, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, reading the version inside the same transaction so that
// two processes opening the database at once cannot both apply it. It reports whether the schema
// was already current.
func migrateOne(ctx context.Context, db *sql.DB, ms []migration) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx,
		"SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return false, fmt.Errorf("sqlite: migrate: %w", err)
	}
	if v > len(ms) {
		return false, fmt.Errorf("%w: the database is at version %d, this binary knows up to %d; run a newer cityhub",
			ErrSchemaNewer, v, len(ms))
	}
	if v == len(ms) {
		return true, nil
	}
	m := ms[v]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx,
		"INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.version, m.name, time.Now().UnixMicro()); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", m.name, err)
	}
	return false, nil
}

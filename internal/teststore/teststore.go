// Package teststore gives tests a fresh, empty store of the kind the run asks for, so that the
// same tests run against every store: SQLite by default, PostgreSQL when CITYHUB_TEST_STORE is
// "postgres" (`make test` runs the store-dependent packages both ways).
package teststore

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"cityhub/dispatcher"
	"cityhub/postgres"
	"cityhub/postgres/pgtest"
	"cityhub/sqlite"
)

// Kind is the store kind this run uses: "sqlite" or "postgres".
func Kind() string {
	if os.Getenv("CITYHUB_TEST_STORE") == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// DSN returns a DSN for a fresh, empty store of the run's kind (a database of its own, dropped
// when the test ends, or a file in the test's temporary directory).
func DSN(t testing.TB) string {
	t.Helper()
	if Kind() == "postgres" {
		return pgtest.NewDatabase(t)
	}
	return filepath.Join(t.TempDir(), "hub.db")
}

// Open returns a fresh, empty store of the run's kind, closed when the test ends.
func Open(t testing.TB) dispatcher.Store {
	t.Helper()
	dsn := DSN(t)
	var store dispatcher.Store
	var err error
	if Kind() == "postgres" {
		store, err = postgres.Open(context.Background(), dsn)
	} else {
		store, err = sqlite.Open(dsn)
	}
	if err != nil {
		t.Fatalf("open %s store: %v", Kind(), err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// Media returns the store's attachments: the store itself (PostgreSQL keeps them in the
// database), or, for SQLite, files in the test's temporary directory beside it.
func Media(t testing.TB, store dispatcher.Store) dispatcher.MediaStore {
	t.Helper()
	if ms, ok := store.(dispatcher.MediaStore); ok {
		return ms
	}
	st, ok := store.(*sqlite.Store)
	if !ok {
		t.Fatalf("no media store for %T", store)
	}
	ms, err := sqlite.NewMediaStore(st, filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

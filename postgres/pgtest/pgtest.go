// Package pgtest gives tests a PostgreSQL database of their own. Tests share one server (the
// developer's or CI's), so each creates a database with a unique name and drops it when it ends.
// A test that needs PostgreSQL fails, never skips, when the server cannot be reached.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvServer names the environment variable that holds the DSN of the server tests use (any
// database on it that the user may connect to; the user must be allowed to create databases).
const EnvServer = "CITYHUB_TEST_PG"

// DefaultServer is the server used when EnvServer is not set.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerDSN is the DSN of the test server.
func ServerDSN() string {
	if dsn := os.Getenv(EnvServer); dsn != "" {
		return dsn
	}
	return DefaultServer
}

// NewDatabase creates an empty database cityhub_test_<random hex> on the test server, returns
// its DSN, and drops it (closing any connection still open to it) when tb ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	server := ServerDSN()
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "cityhub_test_" + hex.EncodeToString(b[:])
	dsn, err := WithDatabase(server, name)
	if err != nil {
		tb.Fatalf("pgtest: %s=%q: %v", EnvServer, server, err)
	}
	if err := admin(server, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		tb.Fatalf("pgtest: cannot create a test database on the PostgreSQL server at %s (set %s to "+
			"the DSN of a server the tests may use): %v", redact(server), EnvServer, err)
	}
	tb.Cleanup(func() {
		if err := admin(server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop test database %s: %v", name, err)
		}
	})
	return dsn
}

// admin runs one statement on the server's own database.
func admin(server, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

// WithDatabase returns dsn (a URL or a key=value string) naming database instead.
func WithDatabase(dsn, database string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		u.Path = "/" + database
		u.RawPath = ""
		return u.String(), nil
	}
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return "", err
	}
	// In a key=value string the last setting of a key wins.
	return fmt.Sprintf("%s dbname=%s", dsn, database), nil
}

// redact hides the password of a URL DSN.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}

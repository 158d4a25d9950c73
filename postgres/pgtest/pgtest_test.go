package pgtest

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// fakeTB records what a test would report; Fatalf ends the goroutine as testing's does.
type fakeTB struct {
	testing.TB
	fatal    string
	cleanups []func()
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestUnreachableServerFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Setenv(EnvServer, "postgres://postgres@"+addr+"/postgres?sslmode=disable&connect_timeout=5")
	f := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewDatabase(f)
	}()
	<-done
	if !strings.Contains(f.fatal, "cannot create a test database") || !strings.Contains(f.fatal, EnvServer) ||
		!strings.Contains(f.fatal, "refused") {
		t.Errorf("NewDatabase against a closed port reported %q; want a fatal error naming %s and the refusal", f.fatal, EnvServer)
	}
}

func TestNewDatabaseCreatesAndDrops(t *testing.T) {
	f := &fakeTB{}
	dsn := NewDatabase(f)
	if f.fatal != "" {
		t.Fatal(f.fatal)
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connect to the new database: %v", err)
	}
	var name string
	if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, "cityhub_test_") {
		t.Errorf("database %q", name)
	}
	// The cleanup drops the database even while a connection is still open to it.
	for _, fn := range f.cleanups {
		fn()
	}
	if f.fatal != "" {
		t.Fatal(f.fatal)
	}
	admin, err := pgx.Connect(context.Background(), ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var exists bool
	if err := admin.QueryRow(context.Background(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after the cleanup", name)
	}
}

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u@h:5432/postgres?sslmode=disable", "postgres://u@h:5432/x?sslmode=disable"},
		{"postgresql://u:p@h/", "postgresql://u:p@h/x"},
		{"host=h user=u dbname=postgres", "host=h user=u dbname=postgres dbname=x"},
	} {
		got, err := WithDatabase(tc.in, "x")
		if err != nil || got != tc.want {
			t.Errorf("WithDatabase(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if _, err := pgx.ParseConfig(got); err != nil {
			t.Errorf("%q does not parse: %v", got, err)
		}
	}
	cfg, _ := pgx.ParseConfig("host=h user=u dbname=postgres dbname=x")
	if cfg.Database != "x" {
		t.Errorf("the last dbname does not win: %q", cfg.Database)
	}
}

// Package sqlite is the SQLite implementation of dispatcher.Store, for a bureau that runs the hub
// on one machine.
//
// One connection writes (every write transaction is BEGIN IMMEDIATE, so writers queue instead of
// failing); a pool of read-only connections reads. In WAL mode readers see the last committed
// snapshot and never wait for the writer. synchronous=FULL makes every commit durable before
// CreateCase or UpdateCase returns.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"cityhub/dispatcher"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// Store is a dispatcher.Store kept in one SQLite database file.
type Store struct {
	w *sql.DB // the single writer connection
	r *sql.DB // read-only connections
	committer
}

var (
	_ dispatcher.Store       = (*Store)(nil)
	_ dispatcher.CommitStats = (*Store)(nil)
)

const (
	busyTimeoutMS = 5000
	stmtCacheSize = 64
)

// Option changes how Open opens a database.
type Option func(*options)

type options struct{ synchronous string }

// Unsynced opens the database with synchronous=OFF: commits are handed to the operating system
// without waiting for the disk, about twice as fast on a busy machine, and an operating-system
// crash or power cut may lose or corrupt the latest of them. Only for bulk loads that can be run
// again (cmd/seed); a hub never opens its store so.
func Unsynced() Option { return func(o *options) { o.synchronous = "OFF" } }

// Open opens (creating if needed) the database at path and brings its schema up to date. It
// refuses a database whose schema is newer than this binary knows (ErrSchemaNewer).
func Open(path string, opts ...Option) (*Store, error) {
	o := options{synchronous: "FULL"}
	for _, opt := range opts {
		opt(&o)
	}
	ctx := context.Background()
	w, err := openWriter(ctx, path, o)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := openReaders(ctx, path)
	if err != nil {
		w.Close()
		return nil, err
	}
	st := &Store{w: w, r: r}
	st.startCommitter()
	return st, nil
}

func openWriter(ctx context.Context, path string, o options) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", dsn(path, url.Values{
		"_journal_mode": {"WAL"},
		"_synchronous":  {o.synchronous},
		"_txlock":       {"immediate"},
	}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: journal mode is %q, want wal", path, mode)
	}
	return db, nil
}

func openReaders(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", dsn(path, url.Values{"mode": {"ro"}}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	db.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	db.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	return db, nil
}

// dsn is a file: URI for path with the settings every connection shares plus extra.
func dsn(path string, extra url.Values) string {
	q := url.Values{
		"_foreign_keys":    {"1"},
		"_busy_timeout":    {fmt.Sprint(busyTimeoutMS)},
		"_stmt_cache_size": {fmt.Sprint(stmtCacheSize)},
	}
	for k, v := range extra {
		q[k] = v
	}
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?" + q.Encode()
}

// Ping reports whether both the writer and the readers can reach the database.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return storeErr(err, "the database cannot be reached")
	}
	if err := s.r.PingContext(ctx); err != nil {
		return storeErr(err, "the database cannot be reached")
	}
	return nil
}

// Close stops the group committer (failing writes that are still queued) and closes every
// connection. The last one to close checkpoints the WAL.
func (s *Store) Close() error {
	s.stopCommitter()
	rerr := s.r.Close()
	if err := s.w.Close(); err != nil {
		return err
	}
	return rerr
}

// read runs fn in one read transaction, so that its queries see the same snapshot.
func (s *Store) read(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return storeErr(err, what)
	}
	defer tx.Rollback()
	return storeErr(fn(tx), what)
}

// Package postgres is the PostgreSQL implementation of dispatcher.Store, for a bureau that runs
// several hub instances against one database.
//
// Every write (CreateCase, UpdateCase) is one statement: the case row, its units, its events, and
// one row of tally deltas appended to the tally log; concurrent writers touch no common row. The
// writes waiting at one moment share one transaction (commit.go). A folder in the background
// moves the log into the counters, and readers add what it has not moved yet (fold.go).
//
// Event ids are drawn so that every instance agrees on them and a reader that resumes after the
// last id it saw never skips an event whose transaction committed late: see write.go (how ids are
// drawn) and events.go (what readers may return).
package postgres

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is a dispatcher.Store kept in a PostgreSQL database.
type Store struct {
	pool   *pgxpool.Pool
	closed atomic.Bool
	folder *folder      // nil if the store does not fold in the background (some tests)
	folds  foldSet      // the folds in flight
	folded atomic.Int64 // log rows this store has folded
	commit committer    // the group commit of case writes (commit.go)

	// beforeCommit, when set (by tests), runs inside every CreateCase and UpdateCase transaction
	// after its writes and before its COMMIT, with the context of the call.
	beforeCommit func(ctx context.Context)
}

var (
	_ dispatcher.Store       = (*Store)(nil)
	_ dispatcher.Exporter    = (*Store)(nil)
	_ dispatcher.Importer    = (*Store)(nil)
	_ dispatcher.CommitStats = (*Store)(nil)
)

// Pool settings used unless the DSN names its own (pool_max_conns=..., connect_timeout=...,
// pool_health_check_period=..., options...).
const (
	// healthCheckPeriod is how often idle connections are checked, so that the pool drops the
	// connections of a restarted server soon rather than handing them to requests. (A connection
	// idle for over a second is also pinged when it is acquired.)
	healthCheckPeriod = 5 * time.Second
	connectTimeout    = 5 * time.Second
	// opTimeout bounds a request whose context has no deadline of its own, so that nothing waits
	// forever on a server that stopped answering.
	opTimeout = 30 * time.Second
	// idleInTxTimeout makes the server end a session that sits inside a transaction (for instance
	// one whose client vanished without closing its socket), releasing its locks.
	idleInTxTimeout = "60s"
)

// Open connects to the database at dsn (a postgres:// URL or key=value string), brings its schema
// up to date and returns the store. It refuses a database whose schema is newer than this binary
// knows (ErrSchemaNewer). Several instances may Open one empty database at once: the schema is
// migrated exactly once.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, foldInterval, foldBatch)
}

// open is Open with the store folding up to batch rows of its tally log at a time every
// foldEvery (never in the background if foldEvery is 0).
func open(ctx context.Context, dsn string, foldEvery time.Duration, batch int) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = int32(max(16, 4*runtime.GOMAXPROCS(0)))
	}
	if !strings.Contains(dsn, "pool_health_check_period") {
		cfg.HealthCheckPeriod = healthCheckPeriod
	}
	if !strings.Contains(dsn, "connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	rp := cfg.ConnConfig.RuntimeParams
	if _, ok := rp["application_name"]; !ok {
		rp["application_name"] = "cityhub"
	}
	if _, ok := rp["idle_in_transaction_session_timeout"]; !ok {
		rp["idle_in_transaction_session_timeout"] = idleInTxTimeout
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, storeErr(err, "postgres: open")
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool}
	s.startCommitters()
	if foldEvery > 0 {
		s.startFolder(foldEvery, batch)
	}
	return s, nil
}

// Ping reports whether the database can be reached.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return s.storeErr(s.pool.Ping(ctx), "ping")
}

// Close stops the folder (a fold in flight commits whole or not at all) and closes every
// connection; calls made afterwards fail with EUnavailable. Log rows not yet folded stay for the
// folders of other instances, or of the next Open.
func (s *Store) Close() error {
	if s.closed.CompareAndSwap(false, true) {
		s.stopFolder()
		s.stopCommitters()
		s.pool.Close()
	}
	return nil
}

// usable is EUnavailable once the store is closed.
func (s *Store) usable() error {
	if s.closed.Load() {
		return dispatcher.Errorf(dispatcher.EUnavailable, "the store is closed")
	}
	return nil
}

// storeErr is the package's storeErr, with the store's closing taken into account (a call that
// raced with Close fails on the closed pool with an error of its own).
func (s *Store) storeErr(err error, what string) error {
	if err != nil && s.closed.Load() && dispatcher.ErrorCode(err) == dispatcher.EInternal {
		return &dispatcher.Error{Code: dispatcher.EUnavailable, Message: what + ": the store is closed", Err: err}
	}
	return storeErr(err, what)
}

// withTimeout gives ctx the default deadline if it has none.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, opTimeout)
}

// query runs fn on the pool of the pool with the request's deadline applied.
func (s *Store) query(ctx context.Context, what string, fn func(ctx context.Context, q querier) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return s.storeErr(fn(ctx, s.pool), what)
}

// querier is what a pool, a connection and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

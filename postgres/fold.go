package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The tally log.
//
// Why. Every case write changes some fifteen counters (its measures of the day in the district
// and in each dimension) and as many month rollups. Kept by the writers themselves, that is
// about thirty upserts per write, most of the server CPU a write costs, and all on the same few
// rows for every write of a day. A row lock is held until commit, WAL flush included, so
// writers that share a counter commit one after the other (the slots of schema 0001 spread each
// counter over several rows only to work around that).
//
// How. A write appends: its deltas, summed per counter, go into one row of tally_log, inserted by
// the same statement as the case and its events, so they commit or vanish together. No one ever
// updates a log row, and the only index is its primary key, so a write touches no row another
// write touches. A folder in every Store (started by Open, stopped by Close) moves the log into
// the counters every foldInterval, and sooner when the store's own writers have appended
// foldSoon rows since its last fold. One statement, so one transaction, deletes up to foldBatch
// of the oldest log rows it can lock, sums them per counter and per month, and upserts each sum
// once, in key order: a thousand writes become a few hundred upserts by one session.
//
// Exactly once, with any number of folders (several hub instances fold against one database):
// the rows a fold deletes are the rows whose deltas it adds, in the same transaction. A row is
// deleted by one transaction only: FOR UPDATE SKIP LOCKED hands each folder rows no other has
// locked, and a DELETE that finds a row already deleted neither deletes nor returns it. A fold
// that fails or is cancelled (by Close) rolls back whole and leaves its rows to the next fold;
// a fold after Close does not start.
//
// Readers stay exact. Tallies and ExportTallies read the counters and the unfolded log rows in
// one statement, so under one snapshot: a fold is seen whole (rows gone from the log, counters
// raised) or not at all, never half, and a write counts as soon as its transaction has
// committed, as before. The log holds what was written in the last foldInterval or so (a few
// hundred rows at a thousand writes a second), which a reader sums on the way.
//
// Deleted log rows leave dead tuples. So that the log stays a few pages long whether or not
// autovacuum runs (or keeps up), the folder vacuums it once it has folded vacuumRows rows (and
// at least every vacuumEvery if it folded any).

const (
	foldInterval = 250 * time.Millisecond
	foldBatch    = 5000
	foldSoon     = 1000
	foldTimeout  = 10 * time.Second
	// cancelTimeout bounds the delivery of a cancel request to a fold in flight when the store
	// closes.
	cancelTimeout = 2 * time.Second
	vacuumRows    = 2000
	vacuumEvery   = 10 * time.Second
)

// logRow is the tally_log row of one write: its tallies summed per counter, zero sums left out,
// in key order. monthly[i] tells whether days[i] rolls up into its month (it is a day; a gauge's
// day is empty).
type logRow struct {
	dims, days, keys, measures []string
	deltas                     []int64
	monthly                    []bool
}

func newLogRow(tallies []dispatcher.Tally) logRow {
	sums := make(map[tallyKey]int64, len(tallies))
	for _, t := range tallies {
		sums[tallyKey{t.Dim, t.Day, t.Key, t.Measure}] += t.Delta
	}
	keys := make([]tallyKey, 0, len(sums))
	for k, n := range sums {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareTallyKeys)
	r := logRow{dims: make([]string, len(keys)), days: make([]string, len(keys)), keys: make([]string, len(keys)),
		measures: make([]string, len(keys)), deltas: make([]int64, len(keys)), monthly: make([]bool, len(keys))}
	for i, k := range keys {
		r.dims[i], r.days[i], r.keys[i], r.measures[i], r.deltas[i] = k.dim, k.day, k.key, k.measure, sums[k]
		r.monthly[i] = isDay(k.day)
	}
	return r
}

// isDay reports whether day is a day (YYYY-MM-DD) that rolls up into its month, day[:7].
func isDay(day string) bool {
	_, err := time.Parse(dayLayout, day)
	return err == nil
}

// logCTE adds the insert of the write's log row (joined to the case row written, so that a stale
// update appends nothing). Tallies that sum to nothing append nothing.
func logCTE(sql *strings.Builder, p *params, tallies []dispatcher.Tally) {
	r := newLogRow(tallies)
	if len(r.deltas) == 0 {
		return
	}
	fmt.Fprintf(sql, `,
		tally AS (
			INSERT INTO tally_log (dim, day, key, measure, delta, monthly)
			SELECT %s::text[], %s::text[], %s::text[], %s::text[], %s::bigint[], %s::boolean[] FROM written)`,
		p.add(r.dims), p.add(r.days), p.add(r.keys), p.add(r.measures), p.add(r.deltas), p.add(r.monthly))
}

// foldSQL moves up to $1 of the oldest log rows that no other fold holds into the counters and
// their months, and returns the number of rows moved. The sums of a day roll up into its month
// from the day sums (monthly is a function of the day, so grouping by day groups by it too).
// Each INSERT takes its rows in key order, the same in every folder, so concurrent folds (and
// ImportTallies) lock counters in one order and cannot deadlock on them.
//
// The rows to move are picked by an ARRAY subquery, which runs once: as "id IN (SELECT ...
// LIMIT)" the planner may make it the inner side of a semi join, rerun for every row of the log
// (quadratic, and the LIMIT no longer bounds the rows deleted), which it does once a vacuum has
// left the log's statistics near empty. The arrays are unnested in the select list, which runs
// in lockstep (as unnest(a, b, ...) in FROM does) at about half the cost.
const foldSQL = `WITH moved AS (
		DELETE FROM tally_log WHERE id = ANY (ARRAY(
			SELECT id FROM tally_log ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED))
		RETURNING dim, day, key, measure, delta, monthly),
	sums AS (
		SELECT dim, day, key, measure, bool_and(monthly) AS monthly, SUM(delta)::bigint AS n
		FROM (SELECT unnest(dim) AS dim, unnest(day) AS day, unnest(key) AS key, unnest(measure) AS measure,
			unnest(delta) AS delta, unnest(monthly) AS monthly FROM moved) AS u
		GROUP BY dim, day, key, measure),
	days AS (
		INSERT INTO tallies AS t (dim, day, key, measure, count)
		SELECT dim, day, key, measure, n FROM sums WHERE n <> 0 ORDER BY dim, day, key, measure
		ON CONFLICT (dim, day, key, measure) DO UPDATE SET count = t.count + excluded.count),
	months AS (
		INSERT INTO tally_months AS t (dim, month, key, measure, count)
		SELECT dim, left(day, 7), key, measure, SUM(n)::bigint FROM sums WHERE monthly
		GROUP BY dim, left(day, 7), key, measure HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4
		ON CONFLICT (dim, month, key, measure) DO UPDATE SET count = t.count + excluded.count)
	SELECT COUNT(*) FROM moved`

// fold runs one fold of at most limit log rows and returns the number of rows it moved. It
// refuses to run on a closed store, and one in flight when the store closes is cancelled, on the
// server too (see stopFolder).
func (s *Store) fold(ctx context.Context, limit int) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, foldTimeout)
	defer cancel()
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, s.storeErr(err, "the tally log could not be folded")
	}
	defer pc.Release()
	if !s.folds.add(pc) {
		return 0, s.usable()
	}
	defer s.folds.remove(pc)
	var n int64
	if err := pc.QueryRow(ctx, foldSQL, limit).Scan(&n); err != nil {
		return 0, s.storeErr(err, "the tally log could not be folded")
	}
	s.folded.Add(n)
	return n, nil
}

// foldSet is the connections running a fold.
type foldSet struct {
	mu     sync.Mutex
	conns  map[*pgxpool.Conn]bool
	closed bool
}

// add registers a connection about to fold, unless the set is closed.
func (fs *foldSet) add(pc *pgxpool.Conn) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.closed {
		return false
	}
	if fs.conns == nil {
		fs.conns = map[*pgxpool.Conn]bool{}
	}
	fs.conns[pc] = true
	return true
}

func (fs *foldSet) remove(pc *pgxpool.Conn) {
	fs.mu.Lock()
	delete(fs.conns, pc)
	fs.mu.Unlock()
}

// close refuses further folds and asks the server to cancel those in flight, and returns once
// the requests are delivered. Closing the client side of a connection is not enough: a server
// process that is, say, waiting for a lock only notices that its client is gone once it has run
// the statement, committed, and tries to answer. (pgx also sends a cancel request when a context
// ends during a query, but from a goroutine of its own, which may be after Close has returned.)
// A cancelled fold rolls back whole; one that the request reaches too late has committed whole.
// The lock is held until every request is delivered, so that no fold hands its connection back
// to the pool, for another request to use, before its cancel request has reached the server
// (remove waits for the lock).
func (fs *foldSet) close() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.closed = true
	for pc := range fs.conns {
		ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
		_ = pc.Conn().PgConn().CancelRequest(ctx)
		cancel()
	}
}

// foldAll folds batch rows at a time until the log holds no row that was committed when it was
// called and that no other fold holds.
func (s *Store) foldAll(ctx context.Context, batch int) (int64, error) {
	var total int64
	for {
		n, err := s.fold(ctx, batch)
		total += n
		if err != nil || n < int64(batch) {
			return total, err
		}
	}
}

// vacuumLog vacuums the tally log, unless another session is vacuuming it already. It does not
// truncate the table (which takes a lock that writers would queue behind): the space of the
// rows deleted is reused by the next ones.
func (s *Store) vacuumLog(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, foldTimeout)
	defer cancel()
	_, err := s.pool.Exec(ctx, "VACUUM (SKIP_LOCKED, TRUNCATE false) tally_log", pgx.QueryExecModeSimpleProtocol)
	return s.storeErr(err, "the tally log could not be vacuumed")
}

// folder is the background folding of a Store.
type folder struct {
	every  time.Duration
	batch  int
	kick   chan struct{}
	stop   context.CancelFunc
	done   chan struct{}
	logged atomic.Int64 // log rows the store's writers appended since the last fold began
}

// startFolder starts folding up to batch rows at a time, every every (and when kicked), until
// stopFolder.
func (s *Store) startFolder(every time.Duration, batch int) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &folder{every: every, batch: batch, kick: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	s.folder = f
	go s.runFolder(ctx, f)
}

// stopFolder cancels the folds in flight (each then commits whole or not at all), refuses new
// ones, and waits for the folder to end.
func (s *Store) stopFolder() {
	s.folds.close()
	if f := s.folder; f != nil {
		f.stop()
		<-f.done
	}
}

// noteLogged notes that a write with tallies has committed (and so appended a log row, unless
// they summed to nothing), and wakes the folder early if many did since its last fold.
func (s *Store) noteLogged(tallies []dispatcher.Tally) {
	f := s.folder
	if f == nil || len(tallies) == 0 {
		return
	}
	if f.logged.Add(1) >= foldSoon {
		select {
		case f.kick <- struct{}{}:
		default:
		}
	}
}

func (s *Store) runFolder(ctx context.Context, f *folder) {
	defer close(f.done)
	tick := time.NewTicker(f.every)
	defer tick.Stop()
	var sinceVacuum int64
	lastVacuum := time.Now()
	var failing bool
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-f.kick:
		}
		f.logged.Store(0)
		n, err := s.foldAll(ctx, f.batch)
		sinceVacuum += n
		if err == nil && (sinceVacuum >= vacuumRows || sinceVacuum > 0 && time.Since(lastVacuum) >= vacuumEvery) {
			if err = s.vacuumLog(ctx); err == nil {
				sinceVacuum, lastVacuum = 0, time.Now()
			}
		}
		if ctx.Err() != nil || s.closed.Load() {
			return
		}
		// Say so when folding starts failing and when it works again, not at every tick.
		if err != nil && !failing {
			slog.Warn("postgres: folding the tally log failed; the log grows until it works again (tallies stay exact)",
				"err", err)
		} else if err == nil && failing {
			slog.Info("postgres: folding the tally log works again")
		}
		failing = err != nil
	}
}

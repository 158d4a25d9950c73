package postgres

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
)

// openFolding opens a store on dsn that folds up to batch log rows at a time every every (not in
// the background if every is 0), closed when tb ends.
func openFolding(tb testing.TB, dsn string, every time.Duration, batch int) *Store {
	tb.Helper()
	s, err := open(context.Background(), dsn, every, batch)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// foldTallies is what the i-th write of these tests counts: one received on a day of its own in
// October to December 2026 in every dimension (key K0..K2), returns of -2..2 (0 included), and
// one more overdue case of its unit (a gauge).
func foldTallies(i int) []dispatcher.Tally {
	day := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%92).Format(dayLayout)
	key := fmt.Sprintf("K%d", i%3)
	var ts []dispatcher.Tally
	for _, dim := range dispatcher.Dims {
		k := key
		if dim == dispatcher.DimAll {
			k = ""
		}
		ts = append(ts, dispatcher.Tally{Day: day, Dim: dim, Key: k, Measure: dispatcher.MReceived, Delta: 1},
			dispatcher.Tally{Day: day, Dim: dim, Key: k, Measure: dispatcher.MReturns, Delta: int64(i%5 - 2)})
	}
	return append(ts, dispatcher.Tally{Dim: dispatcher.DimUnit, Key: key, Measure: dispatcher.MOverdueOpen, Delta: 1})
}

// ledger is what the writers of a test have written (once their writes returned).
type ledger struct {
	mu      sync.Mutex
	tallies []dispatcher.Tally

	started, done atomic.Int64 // writes begun, writes committed
}

// create writes the i-th case of the test with foldTallies(i) through s.
func (l *ledger) create(ctx context.Context, s *Store, i int) error {
	c, evs, _ := benchCase(i)
	ts := foldTallies(i)
	l.started.Add(1)
	if err := s.CreateCase(ctx, c, evs, ts); err != nil {
		return err
	}
	l.done.Add(1)
	l.mu.Lock()
	l.tallies = append(l.tallies, ts...)
	l.mu.Unlock()
	return nil
}

// write runs writers goroutines that each create n cases through s (numbered from first).
func (l *ledger) write(t *testing.T, s *Store, writers, n, first int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for k := range n {
				if err := l.create(t.Context(), s, first+w*n+k); err != nil {
					t.Errorf("CreateCase: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

var foldRanges = [][2]string{{"2026-11-27", "2026-11-27"}, {"2026-11-01", "2026-11-30"},
	{"2026-10-15", "2026-12-03"}, {"2026-10-01", "2026-12-31"}, {"2026-12-31", "2026-12-31"},
	{"2026-09-20", "2027-01-10"}, {"2027-02-01", "2027-02-28"}}

// checkExact compares Tallies for every dimension and range of foldRanges with the sums of what
// the ledger holds.
func (l *ledger) checkExact(t *testing.T, s *Store, when string) {
	t.Helper()
	l.mu.Lock()
	written := append([]dispatcher.Tally(nil), l.tallies...)
	l.mu.Unlock()
	for _, dim := range dispatcher.Dims {
		for _, r := range foldRanges {
			q := dispatcher.TallyQuery{Dim: dim, From: r[0], To: r[1]}
			rows, err := s.Tallies(t.Context(), q)
			must(t, err, "Tallies")
			want := map[string]int64{}
			for _, w := range written {
				if w.Dim == q.Dim && (w.Day == "" || q.From <= w.Day && w.Day <= q.To) {
					want[w.Key+"|"+w.Measure] += w.Delta
				}
			}
			maps.DeleteFunc(want, func(_ string, n int64) bool { return n == 0 })
			if got := tallyMap(rows); !maps.Equal(got, want) {
				t.Errorf("%s: Tallies %+v:\n got %v\nwant %v", when, q, got, want)
			}
		}
	}
}

// checkBounds reads the district's received count over all the days written and the units'
// overdue gauges, each of which every write adds one to, while writes go on: both must lie between
// the writes committed before the read and those begun after it.
func (l *ledger) checkBounds(t *testing.T, s *Store) {
	t.Helper()
	for _, q := range []struct {
		dim, measure string
	}{{dispatcher.DimAll, dispatcher.MReceived}, {dispatcher.DimUnit, dispatcher.MReceived},
		{dispatcher.DimUnit, dispatcher.MOverdueOpen}} {
		low := l.done.Load()
		rows, err := s.Tallies(t.Context(), dispatcher.TallyQuery{Dim: q.dim, From: "2026-09-15", To: "2027-01-15"})
		high := l.started.Load()
		must(t, err, "Tallies")
		var n int64
		for _, r := range rows {
			if r.Measure == q.measure {
				n += r.Count
			}
		}
		if n < low || n > high {
			t.Errorf("%s %s during writes: %d; %d writes had committed before the read, %d begun after it",
				q.dim, q.measure, n, low, high)
		}
	}
}

// logRows is the number of rows in the tally log.
func logRows(t *testing.T, s *Store) int64 {
	t.Helper()
	var n int64
	if err := s.pool.QueryRow(t.Context(), "SELECT COUNT(*) FROM tally_log").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFolded waits until s's folder has emptied the log.
func waitFolded(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for logRows(t, s) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the log still holds %d rows after 30 s", logRows(t, s))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTalliesExactWhileFolding: Tallies is exact right after writes (all still in the log),
// after a partial fold, after a full one, and between rounds of writes while a folder folds
// small batches as fast as it can; during the writes it never counts less than the writes
// committed before it or more than those begun.
func TestTalliesExactWhileFolding(t *testing.T) {
	s := openFolding(t, pgtest.NewDatabase(t), 0, 0)
	ctx := t.Context()
	l := &ledger{}

	l.write(t, s, 8, 25, 0)
	rows := logRows(t, s)
	if rows < 2 || rows > 200 {
		t.Fatalf("the log holds %d rows after 200 writes, want one per batch of writes (2 to 200)", rows)
	}
	l.checkExact(t, s, "unfolded")
	n, err := s.fold(ctx, int(rows/2))
	must(t, err, "fold")
	if int64(n) != rows/2 {
		t.Errorf("fold(%d) moved %d rows", rows/2, n)
	}
	l.checkExact(t, s, "partly folded")
	_, err = s.foldAll(ctx, 50)
	must(t, err, "foldAll")
	if n := logRows(t, s); n != 0 {
		t.Errorf("the log holds %d rows after foldAll", n)
	}
	l.checkExact(t, s, "folded")

	s.startFolder(time.Millisecond, 7)
	stop := make(chan struct{})
	var reads atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			l.checkBounds(t, s)
			reads.Add(1)
		}
	})
	for round := range 4 {
		l.write(t, s, 16, 30, 1000+round*1000)
		unfolded := logRows(t, s)
		l.checkExact(t, s, fmt.Sprintf("after round %d", round))
		t.Logf("round %d: %d log rows unfolded at the check", round, unfolded)
	}
	close(stop)
	wg.Wait()
	waitFolded(t, s)
	l.checkExact(t, s, "at the end")
	t.Logf("%d writes, %d reads during them, %d rows folded by the store", l.done.Load(), reads.Load(), s.folded.Load())
}

// TestTwoStoresFoldOnce: two stores on one database fold (in the background and by hand, in
// small batches) while both take writes; one closes half way, with folds in flight. Every delta
// is counted exactly once.
func TestTwoStoresFoldOnce(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	a := openFolding(t, dsn, time.Millisecond, 5)
	b := openFolding(t, dsn, time.Millisecond, 5)
	l := &ledger{}
	// More folders: goroutines folding by hand through each store until it is closed or the test
	// ends.
	stop := make(chan struct{})
	var folders sync.WaitGroup
	for _, s := range []*Store{a, a, b, b} {
		folders.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.fold(context.Background(), 3); err != nil {
					if dispatcher.ErrorCode(err) != dispatcher.EUnavailable {
						t.Errorf("fold: %v", err)
					}
					return
				}
			}
		})
	}
	var wg sync.WaitGroup
	wg.Go(func() { l.write(t, a, 8, 60, 0) })
	wg.Go(func() {
		l.write(t, b, 8, 30, 10_000)
		b.Close() // while its folders fold
	})
	wg.Wait()
	l.write(t, a, 8, 20, 20_000)
	close(stop)
	folders.Wait()
	waitFolded(t, a)
	l.checkExact(t, a, "after both stores folded")
	if a.folded.Load() == 0 || b.folded.Load() == 0 {
		t.Errorf("store a folded %d rows, b %d: want both to have folded", a.folded.Load(), b.folded.Load())
	}
	// (A fold whose answer was lost as b closed is not in b's figure, so it may fall short.)
	if got := a.folded.Load() + b.folded.Load(); got > l.done.Load() {
		t.Errorf("the stores folded %d rows in all, more than one per write: %d", got, l.done.Load())
	}
	// The counters hold it all, the month rollups agree with the days.
	var days, months int64
	err := a.pool.QueryRow(t.Context(), `SELECT
		(SELECT COALESCE(SUM(count), 0) FROM tallies WHERE dim = 'all' AND measure = 'received'),
		(SELECT COALESCE(SUM(count), 0) FROM tally_months WHERE dim = 'all' AND measure = 'received')`).Scan(&days, &months)
	must(t, err, "sum the counters")
	if days != l.done.Load() || months != l.done.Load() {
		t.Errorf("received: %d in tallies, %d in tally_months; want %d in both", days, months, l.done.Load())
	}
	t.Logf("%d writes; store a folded %d log rows, b %d", l.done.Load(), a.folded.Load(), b.folded.Load())
}

// TestNoFoldAfterClose: a fold stuck in flight when the store closes is cancelled on the server
// (it does not commit once unblocked), no fold runs after Close, and the rows left in the log
// still count and are folded by the next store to open.
func TestNoFoldAfterClose(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := openFolding(t, dsn, 5*time.Millisecond, foldBatch)
	ctx := t.Context()
	// Block every fold: it cannot add to the month rollups while another session holds this lock.
	blocker := rawConn(t, dsn)
	if _, err := blocker.Exec(ctx, "BEGIN; LOCK TABLE tally_months IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	l := &ledger{}
	must(t, l.create(ctx, s, 0), "CreateCase")
	// Wait for the folder's fold to wait for the lock.
	watcher := rawConn(t, dsn)
	waiting := func() int {
		var n int
		err := watcher.QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = current_database() AND state = 'active' AND query LIKE 'WITH moved AS%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); waiting() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no fold started")
		}
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close with a fold in flight took %v", d)
	}
	for deadline := time.Now().Add(10 * time.Second); waiting() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the fold in flight still runs on the server after Close")
		}
	}
	if _, err := s.fold(ctx, foldBatch); dispatcher.ErrorCode(err) != dispatcher.EUnavailable {
		t.Errorf("fold after Close: %v, want %s", err, dispatcher.EUnavailable)
	}
	folded := s.folded.Load()
	if _, err := blocker.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // 20 folder ticks, had it not stopped
	var logged, counters int
	err := watcher.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM tally_log), (SELECT COUNT(*) FROM tallies)").
		Scan(&logged, &counters)
	must(t, err, "count")
	if logged != 1 || counters != 0 || s.folded.Load() != folded || folded != 0 {
		t.Errorf("after Close: %d log rows, %d counters, %d rows folded; want 1 log row and none folded",
			logged, counters, s.folded.Load())
	}
	// The next store counts the row, then folds it.
	s2 := openFolding(t, dsn, 5*time.Millisecond, foldBatch)
	l.checkExact(t, s2, "unfolded, in a new store")
	waitFolded(t, s2)
	l.checkExact(t, s2, "folded by the new store")
}

// TestStaleUpdateLogsNothing: an update that loses to a newer version appends no tally deltas.
func TestStaleUpdateLogsNothing(t *testing.T) {
	s := openFolding(t, pgtest.NewDatabase(t), 0, 0)
	ctx := t.Context()
	c, evs, tallies := benchCase(0)
	must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")
	err := s.UpdateCase(ctx, c, c.Version-1, nil, foldTallies(1))
	if code := dispatcher.ErrorCode(err); code != dispatcher.EConflict {
		t.Fatalf("stale UpdateCase: %v (code %q), want %s", err, code, dispatcher.EConflict)
	}
	if n := logRows(t, s); n != 1 {
		t.Errorf("the log holds %d rows, want the create's only", n)
	}
}

// TestLogAndCountersAgree: whatever the deltas (zero sums, negative ones, gauges, days that are
// no dates and so have no month), Tallies answers the same for every range before and after they
// are folded, and ExportTallies too.
func TestLogAndCountersAgree(t *testing.T) {
	s := openFolding(t, pgtest.NewDatabase(t), 0, 0)
	ctx := t.Context()
	odd := []dispatcher.Tally{
		{Day: "2026-11-31", Dim: dispatcher.DimAll, Measure: dispatcher.MReceived, Delta: 5}, // no such date
		{Day: "2026-11", Dim: dispatcher.DimAll, Measure: dispatcher.MReceived, Delta: 7},
		{Day: "2026-11-05", Dim: dispatcher.DimAll, Measure: dispatcher.MClosed, Delta: 3},
		{Day: "2026-11-05", Dim: dispatcher.DimAll, Measure: dispatcher.MClosed, Delta: -3}, // sums to 0
		{Day: "2026-11-06", Dim: dispatcher.DimAll, Measure: dispatcher.MClosed, Delta: -2},
		{Day: "", Dim: dispatcher.DimAll, Measure: dispatcher.MOverdueOpen, Delta: -1},
	}
	for i := range 40 {
		c, evs, _ := benchCase(i)
		ts := foldTallies(i)
		if i%10 == 0 {
			ts = append(ts, odd...)
		}
		must(t, s.CreateCase(ctx, c, evs, ts), "CreateCase")
	}
	ranges := append([][2]string{{"2026-11-01", "2026-11-31"}, {"2026-11-31", "2026-11-31"},
		{"2026-10-31", "2026-12-01"}, {"2026-11", "2026-11-30"}, {"", "2026-11-30"}, {"x", "y"}}, foldRanges...)
	read := func() map[string]map[string]int64 {
		out := map[string]map[string]int64{}
		for _, dim := range dispatcher.Dims {
			for _, r := range ranges {
				rows, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dim, From: r[0], To: r[1]})
				must(t, err, "Tallies")
				out[dim+" "+r[0]+".."+r[1]] = tallyMap(rows)
			}
		}
		return out
	}
	export := func() map[dispatcher.TallyRecord]bool {
		out := map[dispatcher.TallyRecord]bool{}
		err := s.ExportTallies(ctx, func(r dispatcher.TallyRecord) error {
			if r.Count != 0 {
				out[r] = true
			}
			return nil
		})
		must(t, err, "ExportTallies")
		return out
	}
	before, exported := read(), export()
	_, err := s.foldAll(ctx, foldBatch)
	must(t, err, "foldAll")
	after, exportedAfter := read(), export()
	for q, want := range before {
		if got := after[q]; !maps.Equal(got, want) {
			t.Errorf("Tallies %s: %v unfolded, %v folded", q, want, got)
		}
	}
	if !maps.Equal(exported, exportedAfter) {
		t.Errorf("ExportTallies: %v unfolded, %v folded", exported, exportedAfter)
	}
	if got := before["all 2026-11-01..2026-11-31"]["|received"]; got == 0 {
		t.Errorf("no received in November: %v", before["all 2026-11-01..2026-11-31"])
	}
}

// TestMigrationSumsSlots: counters a schema-1 database kept in several slots become one row each,
// with the sum.
func TestMigrationSumsSlots(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ms, err := migrations()
	must(t, err, "migrations")
	conn := rawConn(t, dsn)
	ctx := t.Context()
	_, err = conn.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`)
	must(t, err, "schema_migrations")
	_, err = conn.Exec(ctx, ms[0].sql)
	must(t, err, "migration 1")
	_, err = conn.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (1, $1)", ms[0].name)
	must(t, err, "schema_migrations")
	_, err = conn.Exec(ctx, `INSERT INTO tallies (dim, day, key, measure, slot, count) VALUES
			('all', '2026-11-27', '', 'received', 0, 3), ('all', '2026-11-27', '', 'received', 9, 4),
			('all', '', '', 'overdue_open', 2, 5), ('all', '', '', 'overdue_open', 3, -1);
		INSERT INTO tally_months (dim, month, key, measure, slot, count) VALUES
			('all', '2026-11', '', 'received', 0, 3), ('all', '2026-11', '', 'received', 9, 4)`)
	must(t, err, "schema-1 tallies")
	s := openAt(t, dsn)
	for _, r := range [][2]string{{"2026-11-27", "2026-11-27"}, {"2026-11-01", "2026-11-30"}} {
		rows, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: r[0], To: r[1]})
		must(t, err, "Tallies")
		if got, want := tallyMap(rows), map[string]int64{"|received": 7, "|overdue_open": 4}; !maps.Equal(got, want) {
			t.Errorf("Tallies %v after migrating: %v, want %v", r, got, want)
		}
	}
	var n int
	must(t, conn.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM tallies) + (SELECT COUNT(*) FROM tally_months)").Scan(&n),
		"count")
	if n != 3 {
		t.Errorf("%d counter rows after migrating, want 3", n)
	}
}

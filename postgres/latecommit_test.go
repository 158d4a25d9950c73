package postgres

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
)

// TestLateCommitNeverSkipped drives two writes, through two stores (two hub instances) on one
// database, so that the one with the smaller event ids commits last: it is held open (by the
// beforeCommit hook of its store) while the other commits. While it is open, the other's events
// are committed and a plain SELECT sees them, but a reader must not be handed them (nor a
// LastEventID that covers them); once both have committed, a reader resuming from what it saw
// gets both, in id order.
func TestLateCommitNeverSkipped(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s, other := openAt(t, dsn), openAt(t, dsn)
	ctx := t.Context()
	seed, seedEvs, seedTallies := benchCase(0)
	must(t, s.CreateCase(ctx, seed, seedEvs, seedTallies), "CreateCase seed")
	seen, err := s.LastEventID(ctx)
	must(t, err, "LastEventID")
	if seen != seedEvs[2].ID {
		t.Fatalf("LastEventID %d, want %d", seen, seedEvs[2].ID)
	}

	late, lateEvs, lateTallies := benchCase(1)
	arrived, release := make(chan struct{}), make(chan struct{})
	s.beforeCommit = func(ctx context.Context) {
		if ctx.Value(lateKey{}) != nil {
			close(arrived)
			<-release
		}
	}
	lateDone := make(chan error, 1)
	go func() {
		lateDone <- s.CreateCase(context.WithValue(ctx, lateKey{}, true), late, lateEvs, lateTallies)
	}()
	<-arrived // late has drawn its ids and written its rows; it has not committed

	early, earlyEvs, earlyTallies := benchCase(2)
	must(t, other.CreateCase(ctx, early, earlyEvs, earlyTallies), "CreateCase early")

	// early's events are committed: a naive reader would return them and resume after them.
	var naive []int64
	rows, err := s.pool.Query(ctx, "SELECT id FROM events WHERE id > $1 ORDER BY id", seen)
	must(t, err, "naive read")
	for rows.Next() {
		var id int64
		must(t, rows.Scan(&id), "scan")
		naive = append(naive, id)
	}
	must(t, rows.Err(), "naive read")
	if want := eventIDs(earlyEvs); !slices.Equal(naive, want) {
		t.Fatalf("plain SELECT while late is open: %v, want early's events %v", naive, want)
	}

	// The store's readers hold them back.
	got, err := s.EventsAfter(ctx, seen, 100)
	must(t, err, "EventsAfter")
	if len(got) != 0 {
		t.Errorf("EventsAfter(%d) while an earlier id is uncommitted returned %v; want nothing yet", seen, eventIDs(got))
	}
	last, err := s.LastEventID(ctx)
	must(t, err, "LastEventID")
	if last != seen {
		t.Errorf("LastEventID while an earlier id is uncommitted = %d, want %d", last, seen)
	}

	close(release)
	must(t, <-lateDone, "CreateCase late")
	if lateEvs[2].ID >= earlyEvs[0].ID {
		t.Fatalf("late drew %v, early %v: the test did not commit a smaller id last", eventIDs(lateEvs), eventIDs(earlyEvs))
	}

	// A reader resuming from what it saw gets both, in order.
	got, err = s.EventsAfter(ctx, seen, 100)
	must(t, err, "EventsAfter")
	want := append(eventIDs(lateEvs), eventIDs(earlyEvs)...)
	if !slices.Equal(eventIDs(got), want) {
		t.Errorf("EventsAfter(%d) after both committed = %v, want %v", seen, eventIDs(got), want)
	}
	last, err = s.LastEventID(ctx)
	must(t, err, "LastEventID")
	if last != earlyEvs[2].ID {
		t.Errorf("LastEventID after both committed = %d, want %d", last, earlyEvs[2].ID)
	}
}

type lateKey struct{}

// TestTailUnderOutOfOrderCommits: writers on four stores (four hub instances) on one database hold
// their transactions open for random times before committing, so commits often come out of id
// order, while readers follow the log in small pages (and through LastEventID). Every reader must
// see every event exactly once, in id order.
func TestTailUnderOutOfOrderCommits(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	const instances = 4
	stores := make([]*Store, instances)
	for i := range stores {
		stores[i] = openAt(t, dsn)
		stores[i].beforeCommit = func(context.Context) {
			time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		}
	}
	s := stores[0]
	ctx := t.Context()
	const writers, each = 8, 40
	done := make(chan struct{})
	type result struct {
		ids []int64
		err error
	}
	const readers = 3
	results := make(chan result, readers)
	for r := range readers {
		go func() {
			ids, err := follow(ctx, s, done, 1+r*3, r == 2)
			results <- result{ids, err}
		}()
	}
	var (
		mu          sync.Mutex
		written     []int64
		commitOrder []int64 // first event id of each write, in the order the writes returned
		wg          sync.WaitGroup
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				c, evs, tallies := benchCase(w*each + i)
				if err := stores[w%instances].CreateCase(ctx, c, evs, tallies); err != nil {
					t.Errorf("CreateCase: %v", err)
					return
				}
				mu.Lock()
				written = append(written, eventIDs(evs)...)
				commitOrder = append(commitOrder, evs[0].ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(done)
	inversions := 0
	for i := 1; i < len(commitOrder); i++ {
		if commitOrder[i] < commitOrder[i-1] {
			inversions++
		}
	}
	t.Logf("%d writes, %d returned after a write with larger ids", len(commitOrder), inversions)
	if inversions == 0 {
		t.Errorf("no write committed out of id order: the test proves nothing")
	}
	slices.Sort(written)
	for range readers {
		r := <-results
		must(t, r.err, "follow")
		if !slices.Equal(r.ids, written) {
			t.Errorf("a reader following the log saw %d events (in order: %v), want the %d written",
				len(r.ids), slices.IsSorted(r.ids), len(written))
		}
	}
}

// follow reads the log from the start in pages of size until done is closed and it has caught
// up, and returns the ids read. With viaLast it first asks LastEventID and checks that it then
// reads exactly up to that id.
func follow(ctx context.Context, s *Store, done <-chan struct{}, size int, viaLast bool) ([]int64, error) {
	var ids []int64
	after := int64(0)
	for {
		finishing := false
		select {
		case <-done:
			finishing = true
		default:
		}
		var last int64
		if viaLast {
			var err error
			if last, err = s.LastEventID(ctx); err != nil {
				return ids, err
			}
		}
		evs, err := s.EventsAfter(ctx, after, size)
		if err != nil {
			return ids, err
		}
		if viaLast && last > after && (len(evs) == 0 || evs[0].ID > last) {
			return ids, dispatcher.Errorf(dispatcher.EInternal, "LastEventID %d, but the next event after %d is not at or below it", last, after)
		}
		if len(evs) == 0 {
			if finishing {
				return ids, nil
			}
			time.Sleep(200 * time.Microsecond)
			continue
		}
		ids = append(ids, eventIDs(evs)...)
		after = evs[len(evs)-1].ID
	}
}

// TestHorizonIgnoresOtherTransactions: a transaction that holds an xid but writes no events (in
// another database of the server, or in this one) does not hold back the event log, as a
// horizon of pg_snapshot_xmin would.
func TestHorizonIgnoresOtherTransactions(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := openAt(t, dsn)
	ctx := t.Context()
	for _, where := range []string{pgtest.NewDatabase(t), dsn} {
		conn := rawConn(t, where)
		tx, err := conn.Begin(ctx)
		must(t, err, "Begin")
		var xid uint64
		must(t, tx.QueryRow(ctx, "SELECT pg_current_xact_id()").Scan(&xid), "pg_current_xact_id")
		c, evs, tallies := benchCase(int(xid))
		must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")
		got, err := s.EventsAfter(ctx, evs[0].ID-1, 10)
		must(t, err, "EventsAfter")
		if !slices.Equal(eventIDs(got), eventIDs(evs)) {
			t.Errorf("while an unrelated transaction (xid %d) is open: EventsAfter = %v, want %v",
				xid, eventIDs(got), eventIDs(evs))
		}
		must(t, tx.Rollback(ctx), "Rollback")
	}
}

func eventIDs(evs []*dispatcher.Event) []int64 {
	ids := make([]int64, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}

// TestAppendLogWaitsForLateCommit: while a write with smaller event ids than a committed one is
// still open (held by its store's beforeCommit hook), the appender of another instance appends
// nothing past it; once it commits, the log holds both writes' events, in id order, each once.
func TestAppendLogWaitsForLateCommit(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s, other := openAt(t, dsn), openAt(t, dsn)
	ctx := t.Context()
	late, lateEvs, lateTallies := benchCase(1)
	arrived, release := make(chan struct{}), make(chan struct{})
	s.beforeCommit = func(ctx context.Context) {
		if ctx.Value(lateKey{}) != nil {
			close(arrived)
			<-release
		}
	}
	lateDone := make(chan error, 1)
	go func() {
		lateDone <- s.CreateCase(context.WithValue(ctx, lateKey{}, true), late, lateEvs, lateTallies)
	}()
	<-arrived
	early, earlyEvs, earlyTallies := benchCase(2)
	must(t, other.CreateCase(ctx, early, earlyEvs, earlyTallies), "CreateCase early")

	if n, err := dispatcher.AppendLog(ctx, other); err != nil || n != 0 {
		t.Errorf("AppendLog while an earlier id is uncommitted appended %d (%v); want nothing yet", n, err)
	}
	close(release)
	must(t, <-lateDone, "CreateCase late")
	if n, err := dispatcher.AppendLog(ctx, other); err != nil || n != 6 {
		t.Fatalf("AppendLog after both committed = %d, %v; want 6", n, err)
	}
	leaves, err := other.LogLeaves(ctx, 0, 100)
	must(t, err, "LogLeaves")
	var got []int64
	for _, l := range leaves {
		got = append(got, l.EventID)
	}
	if want := append(eventIDs(lateEvs), eventIDs(earlyEvs)...); !slices.Equal(got, want) {
		t.Errorf("the log holds events %v, want %v", got, want)
	}
}

package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// testConcurrentCreate creates 8 x 50 cases at once while a reader follows the log with
// EventsAfter, as a console does: the reader must see every event exactly once, in ID order.
func testConcurrentCreate(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	const workers, each = 8, 50
	done := make(chan struct{})
	type result struct {
		ids []int64
		err error
	}
	tailed := make(chan result, 1)
	go func() {
		ids, err := tail(ctx, s, done)
		tailed <- result{ids, err}
	}()
	written := createConcurrently(t, s, workers, each)
	close(done)
	r := <-tailed
	must(t, r.err, "EventsAfter while cases were being created")
	slices.Sort(written)
	if !increasing(r.ids) {
		t.Errorf("the reader following the log saw IDs out of order or twice")
	}
	if !slices.Equal(r.ids, written) {
		t.Errorf("the reader following the log saw %d events, want exactly the %d written", len(r.ids), len(written))
	}
	after, err := tail(ctx, s, closed())
	must(t, err, "EventsAfter")
	if !slices.Equal(after, written) {
		t.Errorf("EventsAfter from 0 returned %d events, want exactly the %d written", len(after), len(written))
	}

	page, err := s.ListCases(ctx, dispatcher.CaseFilter{Limit: 1000})
	must(t, err, "ListCases")
	if page.Total != workers*each || len(page.Cases) != workers*each {
		t.Errorf("ListCases: %d cases, total %d; want %d", len(page.Cases), page.Total, workers*each)
	}
	rows, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: "2026-11-27", To: "2026-11-27"})
	must(t, err, "Tallies")
	sameTallies(t, "Tallies", rows, map[string]int64{"|received": workers * each})
}

// createConcurrently creates workers x each cases, 2 events each, from workers goroutines and
// returns the IDs of the events written.
func createConcurrently(t *testing.T, s dispatcher.Store, workers, each int) []int64 {
	var (
		mu      sync.Mutex
		seen    = map[int64]bool{}
		written []int64
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				c := newCase(w*each + i)
				evs := addEvents(c, 2)
				if err := s.CreateCase(t.Context(), c, evs,
					caseTallies(c, "2026-11-27", dispatcher.MReceived, 1)); err != nil {
					t.Errorf("concurrent CreateCase: %v", err)
					return
				}
				mu.Lock()
				if seen[c.ID] {
					t.Errorf("case ID %d given twice", c.ID)
				}
				seen[c.ID] = true
				written = append(written, evs[0].ID, evs[1].ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != workers*each {
		t.Fatalf("%d distinct case IDs, want %d", len(seen), workers*each)
	}
	return written
}

// tail follows the log from the start in pages of 64 until done is closed and it has caught up,
// and returns the IDs it read, in the order read.
func tail(ctx context.Context, s dispatcher.Store, done <-chan struct{}) ([]int64, error) {
	var ids []int64
	after := int64(0)
	for {
		finishing := isClosed(done) // every write finished before the read below began
		evs, err := s.EventsAfter(ctx, after, 64)
		if err != nil {
			return ids, err
		}
		if len(evs) == 0 {
			if finishing {
				return ids, nil
			}
			time.Sleep(time.Millisecond)
			continue
		}
		ids = append(ids, eventIDs(evs)...)
		after = evs[len(evs)-1].ID
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func closed() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// testConcurrentUpdate races 8 updates of one case from the same version: one wins.
func testConcurrentUpdate(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	c := newCase(0)
	create(t, s, c, 1)
	const racers = 8
	results := make(chan error, racers)
	var wg sync.WaitGroup
	for r := range racers {
		mine := clone(t, c)
		mine.Text = mine.Text + string(rune('A'+r))
		evs := addEvents(mine, 1)
		wg.Go(func() {
			results <- s.UpdateCase(ctx, mine, c.Version, evs,
				caseTallies(mine, "2026-11-27", dispatcher.MDispatched, 1))
		})
	}
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		switch dispatcher.ErrorCode(err) {
		case "":
			won++
		case dispatcher.EConflict:
		default:
			t.Errorf("racing UpdateCase: %v, want success or %s", err, dispatcher.EConflict)
		}
	}
	if won != 1 {
		t.Fatalf("%d racing updates succeeded, want 1", won)
	}
	got, err := s.Case(ctx, c.ID)
	must(t, err, "Case")
	evs, err := s.CaseEvents(ctx, c.ID)
	must(t, err, "CaseEvents")
	if got.Version != 2 || len(evs) != 2 || evs[1].Summary.Number != c.Number {
		t.Errorf("after the race: version %d, %d events; want version 2 and 2 events numbered %s",
			got.Version, len(evs), c.Number)
	}
	rows, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: "2026-11-27", To: "2026-11-27"})
	must(t, err, "Tallies")
	sameTallies(t, "Tallies after the race", rows, map[string]int64{"|dispatched": 1})
}

// testConcurrentFailuresStayApart creates cases from many goroutines at once while some of them
// repeat a channel message id that is already stored: those, and only those, fail with
// EDuplicate, and every other case is stored whole. (A store that batches writes must keep one
// writer's failure from undoing another's work.)
func testConcurrentFailuresStayApart(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	taken := newCase(0)
	taken.ExternalID = "wx-taken"
	create(t, s, taken, 1)
	const n = 60
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newCase(i + 1)
			if i%3 == 0 {
				c.ExternalID = "wx-taken"
			}
			errs[i] = s.CreateCase(ctx, c, addEvents(c, 2), caseTallies(c, "2026-11-27", "received", 1))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if want := i%3 == 0; want != (dispatcher.ErrorCode(err) == dispatcher.EDuplicate) || (!want && err != nil) {
			t.Errorf("case %d: err %v (duplicate expected: %v)", i, err, want)
		}
	}
	page, err := s.ListCases(ctx, dispatcher.CaseFilter{Limit: 1000})
	must(t, err, "ListCases")
	if want := 1 + n - n/3; page.Total != want {
		t.Errorf("%d cases stored, want %d", page.Total, want)
	}
	for _, c := range page.Cases {
		evs, err := s.CaseEvents(ctx, c.ID)
		if err != nil || len(evs) != int(c.Version) {
			t.Errorf("case %d: %d events (%v), version %d", c.ID, len(evs), err, c.Version)
		}
	}
}

// testCloseWhileWriting closes the store while 16 writers create cases as fast as they can. Every
// write returns, none later than a few seconds after Close: committed (nil), or refused with an
// EUnavailable error. None hangs, whenever it reached the store.
func testCloseWhileWriting(t *testing.T, s dispatcher.Store) {
	const writers = 16
	errs := make(chan error, writers)
	var created sync.WaitGroup
	created.Add(writers)
	for w := range writers {
		go func() {
			first := true
			for i := 0; ; i++ {
				c := newCase(w*100_000 + i)
				err := s.CreateCase(context.Background(), c, addEvents(c, 1), nil)
				if first {
					created.Done()
					first = false
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	created.Wait() // every writer is writing
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	deadline := time.After(10 * time.Second)
	for range writers {
		select {
		case err := <-errs:
			if dispatcher.ErrorCode(err) != dispatcher.EUnavailable {
				t.Errorf("a write during Close: %v, want an %s error", err, dispatcher.EUnavailable)
			}
		case <-deadline:
			t.Fatalf("writes still waiting 10 s after Close")
		}
	}
}

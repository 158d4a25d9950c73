package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// holdFirstBatch makes the store's next batch wait before its COMMIT until n more writes are
// queued behind it, so that those n are committed together in the batch after it. The channel it
// returns is closed when that batch starts to wait.
func holdFirstBatch(t *testing.T, s *Store, n int) <-chan struct{} {
	t.Helper()
	var once sync.Once
	holding := make(chan struct{})
	s.beforeCommit = func(context.Context) {
		once.Do(func() {
			close(holding)
			deadline := time.Now().Add(10 * time.Second)
			for s.commit.queue.Len() < n {
				if time.Now().After(deadline) {
					t.Errorf("only %d writes queued behind the first batch, want %d", s.commit.queue.Len(), n)
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	return holding
}

// createHeld writes case i in a batch that holdFirstBatch holds until n more writes are queued
// behind it, and returns once it is held; the channel gets its outcome.
func createHeld(t *testing.T, s *Store, n, i int) <-chan error {
	t.Helper()
	holding := holdFirstBatch(t, s, n)
	c, evs, tallies := benchCase(i)
	done := make(chan error, 1)
	go func() { done <- s.CreateCase(context.Background(), c, evs, tallies) }()
	<-holding
	return done
}

// createAll writes the cases concurrently and returns each call's error, in order.
func createAll(s *Store, cases []*dispatcher.Case, evs [][]*dispatcher.Event, tallies [][]dispatcher.Tally) []error {
	errs := make([]error, len(cases))
	var wg sync.WaitGroup
	for i := range cases {
		wg.Go(func() { errs[i] = s.CreateCase(context.Background(), cases[i], evs[i], tallies[i]) })
	}
	wg.Wait()
	return errs
}

// TestBatchCommitsConcurrentWritesTogether: writes that queue while a batch commits share the
// next transaction, and each gets its own case id, case number and strictly increasing event ids.
func TestBatchCommitsConcurrentWritesTogether(t *testing.T) {
	s := openTest(t)
	const n = 10
	holding := holdFirstBatch(t, s, n)
	first, firstEvs, firstTallies := benchCase(0)
	firstDone := make(chan error, 1)
	go func() { firstDone <- s.CreateCase(t.Context(), first, firstEvs, firstTallies) }()
	<-holding

	cases, evs, tallies := make([]*dispatcher.Case, n), make([][]*dispatcher.Event, n), make([][]dispatcher.Tally, n)
	for i := range n {
		cases[i], evs[i], tallies[i] = benchCase(i + 1)
	}
	errs := createAll(s, cases, evs, tallies)
	must(t, <-firstDone, "CreateCase first")
	for i, err := range errs {
		must(t, err, fmt.Sprintf("CreateCase %d", i))
	}
	if got := s.commit.batches.Load(); got != 2 {
		t.Errorf("%d writes committed in %d transactions, want 2 (the held one, then the rest together)", n+1, got)
	}
	var ids []int64
	for i, c := range cases {
		stored, err := s.Case(t.Context(), c.ID)
		must(t, err, "Case")
		if stored.Number != c.Number || stored.Text != c.Text {
			t.Errorf("case %d stored as %s %q, want %s %q", i, stored.Number, stored.Text, c.Number, c.Text)
		}
		for _, e := range evs[i] {
			if e.CaseID != c.ID {
				t.Errorf("event %d of case %d has case id %d", e.ID, c.ID, e.CaseID)
			}
		}
		ids = append(ids, eventIDs(evs[i])...)
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != 3*n || ids[0] <= firstEvs[2].ID {
		t.Errorf("event ids %v: want %d distinct ids after the first batch's %v", ids, 3*n, eventIDs(firstEvs))
	}
	got, err := s.EventsAfter(t.Context(), firstEvs[2].ID, 100)
	must(t, err, "EventsAfter")
	if !slices.Equal(eventIDs(got), ids) {
		t.Errorf("EventsAfter = %v, want %v", eventIDs(got), ids)
	}
}

// TestBatchIsolatesAFailingWrite: a batch in which one write is refused (a duplicate channel
// message) commits all the others; only that write fails, and it leaves nothing behind.
func TestBatchIsolatesAFailingWrite(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	orig, origEvs, origTallies := benchCase(0)
	orig.Channel, orig.ExternalID = dispatcher.ChannelWeChat, "wx-dup"
	must(t, s.CreateCase(ctx, orig, origEvs, origTallies), "CreateCase original")

	const n = 6
	holding := holdFirstBatch(t, s, n)
	held, heldEvs, heldTallies := benchCase(1)
	heldDone := make(chan error, 1)
	go func() { heldDone <- s.CreateCase(ctx, held, heldEvs, heldTallies) }()
	<-holding

	cases, evs, tallies := make([]*dispatcher.Case, n), make([][]*dispatcher.Event, n), make([][]dispatcher.Tally, n)
	for i := range n {
		cases[i], evs[i], tallies[i] = benchCase(i + 2)
	}
	const dup = 3
	cases[dup].Channel, cases[dup].ExternalID = dispatcher.ChannelWeChat, "wx-dup"
	errs := createAll(s, cases, evs, tallies)
	must(t, <-heldDone, "CreateCase held")
	for i, err := range errs {
		switch {
		case i == dup && dispatcher.ErrorCode(err) != dispatcher.EDuplicate:
			t.Errorf("the duplicate write: %v, want an %s error", err, dispatcher.EDuplicate)
		case i != dup && err != nil:
			t.Errorf("write %d, batched with a duplicate: %v", i, err)
		}
	}
	page, err := s.ListCases(ctx, dispatcher.CaseFilter{Limit: 100})
	must(t, err, "ListCases")
	if page.Total != n+1 {
		t.Errorf("%d cases stored, want %d (the original, the held one and %d of the batch)", page.Total, n+1, n-1)
	}
	last, err := s.LastEventID(ctx)
	must(t, err, "LastEventID")
	all, err := s.EventsAfter(ctx, 0, 100)
	must(t, err, "EventsAfter")
	if len(all) != 3*(n+1) || all[len(all)-1].ID != last {
		t.Errorf("%d events readable up to %d, want %d", len(all), last, 3*(n+1))
	}
}

// TestBatchedUpdatesOfOneCase: two updates of the same case made from the same version and
// committed in one batch: the first wins, the second is told the case changed and writes nothing.
func TestBatchedUpdatesOfOneCase(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	c, evs, tallies := benchCase(0)
	must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")

	otherDone := createHeld(t, s, 2, 1)

	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		upd := *c
		upd.Version++
		upd.Text = fmt.Sprintf("update %d", i)
		e := &dispatcher.Event{Seq: upd.Version, Type: "noted", Action: "note", Actor: dispatcher.SystemActor,
			At: c.UpdatedAt, To: upd.State, Owner: upd.Owner, Visible: upd.Owners}
		wg.Go(func() { errs[i] = s.UpdateCase(ctx, &upd, c.Version, []*dispatcher.Event{e}, nil) })
	}
	wg.Wait()
	must(t, <-otherDone, "CreateCase other")
	if got := s.commit.batches.Load(); got != 3 {
		t.Fatalf("the two updates took %d transactions after the held one, want 1", got-2)
	}
	won, lost := 0, 0
	for _, err := range errs {
		switch dispatcher.ErrorCode(err) {
		case "":
			won++
		case dispatcher.EConflict:
			lost++
		default:
			t.Errorf("UpdateCase: %v", err)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("of two updates from one version, %d won and %d lost; want 1 and 1", won, lost)
	}
	stored, err := s.CaseEvents(ctx, c.ID)
	must(t, err, "CaseEvents")
	if len(stored) != len(evs)+1 {
		t.Errorf("the case has %d events, want %d", len(stored), len(evs)+1)
	}
}

// TestStoredEventBodiesAreTheirJSON: an event is sent without its id and completed by the server;
// what is stored is byte for byte the JSON of the event with its id, for new cases and updates
// sharing one transaction, with text that looks like the part the server adds.
func TestStoredEventBodiesAreTheirJSON(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	tricky := func(e *dispatcher.Event, i int) {
		e.Reason = fmt.Sprintf(`{"id":0,"case_id":%d} "引号" <b>&</b> \u2028`, i)
		e.Data = json.RawMessage(fmt.Sprintf(`{"id":0,"note":"{\"id\":0,","n":%d}`, i))
	}
	c, evs, tallies := benchCase(0)
	must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")

	heldDone := createHeld(t, s, 3, 1)

	// One transaction: two new cases and an update, their events' slots interleaved by job order.
	news := make([][]*dispatcher.Event, 2)
	var upd dispatcher.Case
	var updEvs []*dispatcher.Event
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 2 {
		nc, nevs, ntallies := benchCase(2 + i)
		for k, e := range nevs {
			tricky(e, 10*i+k)
		}
		news[i] = nevs
		wg.Go(func() { errs[i] = s.CreateCase(ctx, nc, nevs, ntallies) })
	}
	upd = *c
	for k := range 2 {
		upd.Version++
		e := &dispatcher.Event{Seq: upd.Version, Type: "noted", Action: "note", Actor: dispatcher.SystemActor,
			At: c.UpdatedAt, To: upd.State, Owner: upd.Owner, Visible: upd.Owners}
		tricky(e, 100+k)
		updEvs = append(updEvs, e)
	}
	wg.Go(func() { errs[2] = s.UpdateCase(ctx, &upd, c.Version, updEvs, nil) })
	wg.Wait()
	must(t, <-heldDone, "CreateCase held")
	for i, err := range errs {
		must(t, err, fmt.Sprintf("write %d", i))
	}
	if got := s.commit.batches.Load(); got != 3 {
		t.Fatalf("the three writes took %d transactions after the held one, want 1", got-2)
	}
	for _, e := range slices.Concat(news[0], news[1], updEvs) {
		if e.ID == 0 {
			t.Fatalf("an event of case %d was not given its id", e.CaseID)
		}
		var body string
		err := s.pool.QueryRow(ctx, "SELECT body FROM events WHERE id = $1", e.ID).Scan(&body)
		must(t, err, "read the stored body")
		want, err := json.Marshal(e)
		must(t, err, "encode the event")
		if body != string(want) {
			t.Errorf("event %d is stored as\n%s\nwant\n%s", e.ID, body, want)
		}
	}
}

// TestEachEventKeepsItsVisibleUnits: the events of one write are stored with their own lists of
// units that may see them, whether the lists are the same (as a change makes them), empty or
// different.
func TestEachEventKeepsItsVisibleUnits(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	c, evs, tallies := benchCase(0)
	want := [][]string{{"CMD"}, {"CMD"}, nil, {"CMD", "QJ-GN-DD"}, {"CMD", "QJ-GN-DD"}}
	for len(evs) < len(want) {
		e := *evs[len(evs)-1]
		e.Seq++
		evs = append(evs, &e)
	}
	c.Version = int64(len(evs))
	for i, e := range evs {
		e.Visible = want[i]
	}
	must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")
	stored, err := s.CaseEvents(ctx, c.ID)
	must(t, err, "CaseEvents")
	for i, e := range stored {
		if !slices.Equal(e.Visible, want[i]) {
			t.Errorf("event %d is visible to %q, want %q", i+1, e.Visible, want[i])
		}
	}
}

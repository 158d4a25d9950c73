package storetest

import (
	"fmt"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// testCaseRoundTrip stores a case with every optional part filled in and reads it back by each
// of its keys.
func testCaseRoundTrip(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	c := newCase(0)
	c.Channel, c.ExternalID, c.Urgent = dispatcher.ChannelWeChat, "wx-7f3a9c", true
	c.Reporter = dispatcher.Contact{Name: "李女士", Phone: "13912345678", OpenID: "oAbC123xyz"}
	c.Arbitration, c.ReworkCount, c.Inspector = "pending", 1, "insp1"
	c.Extension = &dispatcher.ExtensionRequest{RequestedBy: "gn-lead", RequestedAt: base.Add(time.Hour),
		Limit: dispatcher.Limit{Value: 2, Unit: dispatcher.WorkDay}, Reason: "需协调住建部门"}
	c.LegalReview = &dispatcher.LegalReview{Reviewer: "legal1", At: base.Add(2 * time.Hour), Approved: true,
		Decision: dispatcher.Decision{Kind: dispatcher.DecisionFine, Amount: 2000, Text: "罚款 2000 元"}, Opinion: "事实清楚"}
	c.Clocks.Checking = &dispatcher.Clock{Limit: dispatcher.Limit{Value: 2, Unit: dispatcher.WorkHour},
		StartedAt: base, Deadline: base.Add(2 * time.Hour), WarnAt: base.Add(96 * time.Minute),
		SuspendedAt: ptr(base.Add(30 * time.Minute)), Extended: 3}
	c.Satisfaction = "dissatisfied"
	c.SatisfactionCounted = &dispatcher.Counted{Day: "2026-11-27", Keys: [4]string{"QJ-GN-DD", "QJ-GN", "0501", "wechat"}}
	evs := create(t, s, c, 3, caseTallies(c, "2026-11-27", dispatcher.MReceived, 1)...)
	if c.ID <= 0 {
		t.Fatalf("CreateCase set ID %d", c.ID)
	}

	got, err := s.Case(ctx, c.ID)
	must(t, err, "Case")
	sameJSON(t, "Case", got, c)
	got, err = s.CaseByNumber(ctx, c.Number)
	must(t, err, "CaseByNumber")
	sameJSON(t, "CaseByNumber", got, c)
	got, err = s.CaseByExternalID(ctx, c.Channel, c.ExternalID)
	must(t, err, "CaseByExternalID")
	sameJSON(t, "CaseByExternalID", got, c)

	stored, err := s.CaseEvents(ctx, c.ID)
	must(t, err, "CaseEvents")
	sameEvents(t, "CaseEvents", stored, evs)
	after, err := s.EventsAfter(ctx, 0, 10)
	must(t, err, "EventsAfter")
	sameEvents(t, "EventsAfter", after, evs)

	// An update replaces the whole case.
	more := update(t, s, c, 2, func(c *dispatcher.Case) {
		c.State, c.Extension, c.Arbitration = dispatcher.Resolved, nil, "ruled"
		c.Clocks.Handling.StoppedAt = ptr(base.Add(50 * time.Hour))
		c.UpdatedAt = base.Add(50 * time.Hour)
		c.Media = append(c.Media, "media/2026/11/29/after.jpg")
		c.NextDue = nil
	})
	got, err = s.Case(ctx, c.ID)
	must(t, err, "Case after update")
	sameJSON(t, "Case after update", got, c)
	stored, err = s.CaseEvents(ctx, c.ID)
	must(t, err, "CaseEvents after update")
	sameEvents(t, "CaseEvents after update", stored, append(evs, more...))
}

// testNumberCompletion checks that CreateCase completes the number stem with the ID and fills in
// the events.
func testNumberCompletion(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	seen := map[string]bool{}
	for i := range 3 {
		c := newCase(i)
		stem := c.Number
		evs := create(t, s, c, 2)
		if want := dispatcher.CompleteNumber(stem, c.ID); c.Number != want {
			t.Errorf("case %d: number %q, want %q", c.ID, c.Number, want)
		}
		if seen[c.Number] {
			t.Errorf("number %s given twice", c.Number)
		}
		seen[c.Number] = true
		for _, e := range evs {
			if e.ID <= 0 || e.CaseID != c.ID || e.Summary.Number != c.Number {
				t.Errorf("event: id %d case %d number %q, want id > 0, case %d, number %q",
					e.ID, e.CaseID, e.Summary.Number, c.ID, c.Number)
			}
		}
		got, err := s.CaseByNumber(ctx, c.Number)
		must(t, err, "CaseByNumber")
		if got.ID != c.ID || got.Number != c.Number {
			t.Errorf("CaseByNumber(%s) = case %d %s", c.Number, got.ID, got.Number)
		}
		stored, err := s.CaseEvents(ctx, c.ID)
		must(t, err, "CaseEvents")
		sameEvents(t, "stored events", stored, evs)
	}
}

// testDuplicateExternalID checks that a second case from the same channel message is refused and
// leaves no trace.
func testDuplicateExternalID(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	first := newCase(0)
	first.Channel, first.ExternalID = dispatcher.ChannelWeChat, "wx-msg-1"
	create(t, s, first, 1, caseTallies(first, "2026-11-27", dispatcher.MReceived, 1)...)
	lastID, err := s.LastEventID(ctx)
	must(t, err, "LastEventID")

	dup := newCase(1)
	dup.Channel, dup.ExternalID = dispatcher.ChannelWeChat, "wx-msg-1"
	dupEvents := addEvents(dup, 2)
	err = s.CreateCase(ctx, dup, dupEvents, caseTallies(dup, "2026-11-27", dispatcher.MReceived, 1))
	wantCode(t, err, dispatcher.EDuplicate, "CreateCase with the same channel and external id")

	page, err := s.ListCases(ctx, dispatcher.CaseFilter{})
	must(t, err, "ListCases")
	if page.Total != 1 || len(page.Cases) != 1 {
		t.Errorf("after a duplicate: %d cases (total %d), want 1", len(page.Cases), page.Total)
	}
	if got, err := s.LastEventID(ctx); err != nil || got != lastID {
		t.Errorf("after a duplicate: LastEventID %d, %v; want %d", got, err, lastID)
	}
	all, err := s.EventsAfter(ctx, 0, 100)
	must(t, err, "EventsAfter")
	if len(all) != 1 {
		t.Errorf("after a duplicate: %d events, want 1", len(all))
	}
	rows, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: "2026-11-27", To: "2026-11-27"})
	must(t, err, "Tallies")
	sameTallies(t, "tallies after a duplicate", rows, map[string]int64{"|received": 1})
	got, err := s.CaseByExternalID(ctx, dispatcher.ChannelWeChat, "wx-msg-1")
	must(t, err, "CaseByExternalID")
	if got.ID != first.ID {
		t.Errorf("CaseByExternalID = case %d, want %d", got.ID, first.ID)
	}

	// The same message id on another channel is another message; an empty id never collides.
	other := newCase(2)
	other.Channel, other.ExternalID = dispatcher.ChannelWeb, "wx-msg-1"
	create(t, s, other, 1)
	for i := range 2 {
		create(t, s, newCase(3+i), 1)
	}
	page, err = s.ListCases(ctx, dispatcher.CaseFilter{})
	must(t, err, "ListCases")
	if page.Total != 4 {
		t.Errorf("%d cases, want 4", page.Total)
	}
}

// testUpdateConflict checks optimistic concurrency: a stale prevVersion writes nothing.
func testUpdateConflict(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	c := newCase(0)
	create(t, s, c, 2, caseTallies(c, "2026-11-27", dispatcher.MReceived, 1)...)
	stale := clone(t, c)

	evs := update(t, s, c, 1, func(c *dispatcher.Case) {
		c.State, c.UpdatedAt = dispatcher.Resolved, c.UpdatedAt.Add(time.Hour)
	}, caseTallies(c, "2026-11-27", dispatcher.MDispatched, 1)...)
	if evs[0].ID <= 0 {
		t.Fatalf("UpdateCase gave event ID %d", evs[0].ID)
	}
	want, err := s.Case(ctx, c.ID)
	must(t, err, "Case")
	lastID, err := s.LastEventID(ctx)
	must(t, err, "LastEventID")

	for _, tc := range []struct {
		prev   int64
		events int
	}{{stale.Version, 1}, {stale.Version, 0}, {c.Version + 1, 1}} {
		cp := clone(t, stale)
		cp.State, cp.Owner = dispatcher.Suspended, "nobody"
		err = s.UpdateCase(ctx, cp, tc.prev, addEvents(cp, tc.events),
			caseTallies(cp, "2026-11-27", dispatcher.MDispatched, 5))
		wantCode(t, err, dispatcher.EConflict, fmt.Sprintf("UpdateCase from version %d (stored %d) with %d events",
			tc.prev, c.Version, tc.events))
	}

	got, err := s.Case(ctx, c.ID)
	must(t, err, "Case")
	sameJSON(t, "case after a conflict", got, want)
	stored, err := s.CaseEvents(ctx, c.ID)
	must(t, err, "CaseEvents")
	if len(stored) != 3 {
		t.Errorf("after a conflict: %d events, want 3", len(stored))
	}
	if got, err := s.LastEventID(ctx); err != nil || got != lastID {
		t.Errorf("after a conflict: LastEventID %d, %v; want %d", got, err, lastID)
	}
	rows, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: "2026-11-27", To: "2026-11-27"})
	must(t, err, "Tallies")
	sameTallies(t, "tallies after a conflict", rows, map[string]int64{"|received": 1, "|dispatched": 1})
}

// testUpdateMissingCase checks that updating a case that does not exist is ENotFound.
func testUpdateMissingCase(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	c := newCase(0)
	create(t, s, c, 1)
	ghost := clone(t, c)
	ghost.ID, ghost.Number = c.ID+1000, c.Number+"9"
	err := s.UpdateCase(ctx, ghost, ghost.Version, addEvents(ghost, 1),
		caseTallies(ghost, "2026-11-27", dispatcher.MClosed, 1))
	wantCode(t, err, dispatcher.ENotFound, "UpdateCase of a missing case")
	if id, err := s.LastEventID(ctx); err != nil || id == 0 {
		t.Fatalf("LastEventID %d, %v", id, err)
	}
	all, err := s.EventsAfter(ctx, 0, 100)
	must(t, err, "EventsAfter")
	if len(all) != 1 {
		t.Errorf("after updating a missing case: %d events, want 1", len(all))
	}
	rows, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: "2026-11-27", To: "2026-11-27"})
	must(t, err, "Tallies")
	sameTallies(t, "tallies after updating a missing case", rows, map[string]int64{})
}

// testNotFound checks that the lookups of a missing case are ENotFound, never (nil, nil).
func testNotFound(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	for round := range 2 { // on an empty store, then on one with a case
		c, err := s.Case(ctx, 424242)
		wantCode(t, err, dispatcher.ENotFound, "Case of a missing id")
		if c != nil {
			t.Errorf("Case of a missing id returned a case")
		}
		_, err = s.CaseByNumber(ctx, "QJ20261127424242")
		wantCode(t, err, dispatcher.ENotFound, "CaseByNumber of a missing number")
		_, err = s.CaseByExternalID(ctx, dispatcher.ChannelWeChat, "wx-none")
		wantCode(t, err, dispatcher.ENotFound, "CaseByExternalID of a missing message")
		_, err = s.CaseByExternalID(ctx, dispatcher.ChannelHotline, "")
		wantCode(t, err, dispatcher.ENotFound, "CaseByExternalID of an empty message id")
		_, err = s.CaseEvents(ctx, 424242)
		wantCode(t, err, dispatcher.ENotFound, "CaseEvents of a missing case")
		if round == 0 {
			c := newCase(0)
			c.Channel, c.ExternalID = dispatcher.ChannelWeChat, "wx-1"
			create(t, s, c, 1)
			create(t, s, newCase(1), 1) // a hotline case without a message id
			_, err = s.CaseByExternalID(ctx, dispatcher.ChannelWeb, "wx-1")
			wantCode(t, err, dispatcher.ENotFound, "CaseByExternalID on the wrong channel")
		}
	}
}

// testAtomicity checks that a call that fails part-way writes nothing. It fails the call with an
// event whose Seq the case already has, which a store must refuse (with any error).
func testAtomicity(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	const day = "2026-11-27"
	c := newCase(0)
	evs := addEvents(c, 2)
	evs[1].Seq = evs[0].Seq
	if err := s.CreateCase(ctx, c, evs, caseTallies(c, day, dispatcher.MReceived, 1)); err == nil {
		t.Fatalf("CreateCase with two events of seq 1 succeeded")
	}
	page, err := s.ListCases(ctx, dispatcher.CaseFilter{})
	must(t, err, "ListCases")
	if id, err := s.LastEventID(ctx); err != nil || id != 0 || page.Total != 0 {
		t.Errorf("after a failed CreateCase: %d cases, last event %d (%v); want none", page.Total, id, err)
	}
	rows, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: day, To: day})
	must(t, err, "Tallies")
	sameTallies(t, "tallies after a failed CreateCase", rows, map[string]int64{})

	c = newCase(1)
	create(t, s, c, 2, caseTallies(c, day, dispatcher.MReceived, 1)...)
	before, err := s.Case(ctx, c.ID)
	must(t, err, "Case")
	prev := c.Version
	finish(c, dispatcher.Closed)
	evs = addEvents(c, 2)
	evs[1].Seq = 1
	if err := s.UpdateCase(ctx, c, prev, evs, caseTallies(c, day, dispatcher.MClosed, 1)); err == nil {
		t.Fatalf("UpdateCase with an event of seq 1 again succeeded")
	}
	got, err := s.Case(ctx, c.ID)
	must(t, err, "Case")
	sameJSON(t, "case after a failed UpdateCase", got, before)
	stored, err := s.CaseEvents(ctx, c.ID)
	must(t, err, "CaseEvents")
	if len(stored) != 2 {
		t.Errorf("after a failed UpdateCase: %d events, want 2", len(stored))
	}
	rows, err = s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: day, To: day})
	must(t, err, "Tallies")
	sameTallies(t, "tallies after a failed UpdateCase", rows, map[string]int64{"|received": 1})
}

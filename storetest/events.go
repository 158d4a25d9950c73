package storetest

import (
	"testing"

	"cityhub/dispatcher"
)

// testEventIDs checks that event IDs increase store-wide in the order of the writes, and that
// LastEventID follows them.
func testEventIDs(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	if id, err := s.LastEventID(ctx); err != nil || id != 0 {
		t.Fatalf("LastEventID of an empty store = %d, %v; want 0", id, err)
	}
	if evs, err := s.EventsAfter(ctx, 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("EventsAfter of an empty store = %d events, %v", len(evs), err)
	}
	a, b := newCase(0), newCase(1)
	var written []*dispatcher.Event
	written = append(written, create(t, s, a, 2)...)
	written = append(written, create(t, s, b, 3)...)
	written = append(written, update(t, s, a, 2, nil)...)
	written = append(written, update(t, s, b, 1, nil)...)
	ids := eventIDs(written)
	if !increasing(ids) {
		t.Fatalf("event IDs in write order %v, want strictly increasing", ids)
	}
	all, err := s.EventsAfter(ctx, 0, 100)
	must(t, err, "EventsAfter")
	sameEvents(t, "EventsAfter(0)", all, written)
	last, err := s.LastEventID(ctx)
	must(t, err, "LastEventID")
	if last != ids[len(ids)-1] {
		t.Errorf("LastEventID %d, want %d", last, ids[len(ids)-1])
	}
}

// testCaseEvents checks that CaseEvents returns one case's events, and only them, in Seq order.
func testCaseEvents(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	a, b := newCase(0), newCase(1)
	evA := create(t, s, a, 3)
	evB := create(t, s, b, 1)
	evA = append(evA, update(t, s, a, 1, nil)...)
	evB = append(evB, update(t, s, b, 2, nil)...)
	evA = append(evA, update(t, s, a, 1, nil)...)
	for _, tc := range []struct {
		c    *dispatcher.Case
		want []*dispatcher.Event
	}{{a, evA}, {b, evB}} {
		got, err := s.CaseEvents(ctx, tc.c.ID)
		must(t, err, "CaseEvents")
		sameEvents(t, "CaseEvents", got, tc.want)
		for i, e := range got {
			if e.Seq != int64(i+1) || e.CaseID != tc.c.ID {
				t.Errorf("CaseEvents(%d)[%d]: case %d seq %d", tc.c.ID, i, e.CaseID, e.Seq)
			}
		}
	}
}

// testEventsAfterPaging reads the log in small pages, as a console resuming from the last ID it
// saw does.
func testEventsAfterPaging(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	var written []*dispatcher.Event
	cases := []*dispatcher.Case{newCase(0), newCase(1), newCase(2)}
	for _, c := range cases {
		written = append(written, create(t, s, c, 3)...)
	}
	for _, c := range cases {
		written = append(written, update(t, s, c, 1, nil)...)
	}
	var read []*dispatcher.Event
	after := int64(0)
	for pages := 0; ; pages++ {
		if pages > len(written) {
			t.Fatalf("EventsAfter never runs out")
		}
		page, err := s.EventsAfter(ctx, after, 4)
		must(t, err, "EventsAfter")
		if len(page) > 4 {
			t.Fatalf("EventsAfter(%d, 4) returned %d events", after, len(page))
		}
		if len(page) == 0 {
			break
		}
		read = append(read, page...)
		after = page[len(page)-1].ID
	}
	sameEvents(t, "events read in pages", read, written)

	last, err := s.LastEventID(ctx)
	must(t, err, "LastEventID")
	if last != after {
		t.Errorf("LastEventID %d, want %d", last, after)
	}
	mid := written[5].ID
	rest, err := s.EventsAfter(ctx, mid, 100)
	must(t, err, "EventsAfter")
	sameEvents(t, "EventsAfter(middle)", rest, written[6:])
}

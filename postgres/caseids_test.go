package postgres

import (
	"slices"
	"testing"

	"cityhub/dispatcher"
)

// TestCaseIDReserve: ids are taken smallest first, an id given back is taken before newer ones,
// and the reserve owes the next draw as many ids as were taken since the last one.
func TestCaseIDReserve(t *testing.T) {
	s := openTest(t)
	r := &s.commit.caseIDs
	r.put([]int64{5, 6, 7})
	a, err := s.newCaseID(t.Context())
	must(t, err, "newCaseID")
	b, err := s.newCaseID(t.Context())
	must(t, err, "newCaseID")
	if a != 5 || b != 6 {
		t.Fatalf("took %d and %d, want 5 and 6", a, b)
	}
	r.giveBack(a)
	if got := r.owed(); got != 2 {
		t.Errorf("owed %d after taking two, want 2", got)
	}
	if got := r.owed(); got != 0 {
		t.Errorf("owed %d right after a draw, want 0", got)
	}
	r.mu.Lock()
	held := slices.Clone(r.ids)
	r.mu.Unlock()
	if !slices.Equal(held, []int64{5, 7}) {
		t.Errorf("reserve holds %v, want [5 7]", held)
	}
	r.owe(3)
	if got := r.owed(); got != 3 {
		t.Errorf("owed %d after a failed draw of 3, want 3", got)
	}
}

// TestEmptyReserveDraws: with nothing in the reserve, a new case draws its own id, and the
// transaction that writes it draws as many for the reserve, which the next case takes.
func TestEmptyReserveDraws(t *testing.T) {
	s := openTest(t)
	first, evs, tallies := benchCase(0)
	must(t, s.CreateCase(t.Context(), first, evs, tallies), "CreateCase first")
	second, evs, tallies := benchCase(1)
	must(t, s.CreateCase(t.Context(), second, evs, tallies), "CreateCase second")
	if second.ID != first.ID+1 {
		t.Errorf("case ids %d then %d, want consecutive ids", first.ID, second.ID)
	}
}

// TestRefusedCaseGivesItsIDBack: a report refused as a duplicate channel message does not use up
// a case number.
func TestRefusedCaseGivesItsIDBack(t *testing.T) {
	s := openTest(t)
	first, evs, tallies := benchCase(0)
	first.ExternalID = "wx-msg-1"
	must(t, s.CreateCase(t.Context(), first, evs, tallies), "CreateCase first")
	again, evs, tallies := benchCase(1)
	again.ExternalID = "wx-msg-1"
	if err := s.CreateCase(t.Context(), again, evs, tallies); dispatcher.ErrorCode(err) != dispatcher.EDuplicate {
		t.Fatalf("CreateCase of the same message again: %v, want %s", err, dispatcher.EDuplicate)
	}
	next, evs, tallies := benchCase(2)
	must(t, s.CreateCase(t.Context(), next, evs, tallies), "CreateCase next")
	if next.ID != first.ID+1 {
		t.Errorf("case ids %d, then %d after a refused duplicate, want consecutive ids", first.ID, next.ID)
	}
}

package dispatcher_test

import (
	"encoding/json"
	"testing"
	"time"

	D "cityhub/dispatcher"
)

// formulaEvent is one event, the same for every formula, with every field the formulas cover set.
func formulaEvent(version int) *D.Event {
	deadline := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
	return &D.Event{ID: 9, CaseID: 4, Seq: 3, Type: "case.dispatched", Action: "dispatch",
		Actor: D.Actor{Login: "system", Name: "系统", Role: D.System, Unit: "CMD"},
		At:    time.Date(2026, 11, 25, 2, 0, 0, 123456000, time.UTC), From: D.Registered, To: D.Dispatched,
		Owner: "QJ-GN-DD", Reason: "", Data: json.RawMessage(`{"unit":"QJ-GN-DD"}`), PrevHash: "ab",
		Summary: D.CaseSummary{Number: "QJ20261125000004", State: D.Dispatched, Owner: "QJ-GN-DD", Unit: "QJ-GN-DD",
			Channel: "hotline", Nature: "complaint", Category: "0501", Jurisdiction: "QJ-GN", Address: "古南街道",
			Point: D.Point{Lat: 28.95, Lng: 106.6}, Deadline: &deadline,
			// The fields HashV3 added: set here so that the earlier formulas are seen to ignore them.
			Warning: true, ReturnCount: 1, Arbitration: "ruled", RepeatOf: "QJ20261125000001", MergedInto: "",
			Inspector: "insp1", Text: "人行道上有流动摊贩", Version: 3, SuspendedAt: &deadline,
			Extension: &D.ExtensionRequest{RequestedBy: "gn-lead", RequestedAt: deadline, Reason: "材料未到",
				Limit: D.Limit{Value: 1, Unit: D.WorkDay}},
			CreatedAt: deadline.Add(-time.Hour), UpdatedAt: deadline},
		Visible: []string{"CMD", "QJ-GN-DD"}, HashVersion: version, CaseDigest: "cd",
		Tallies: []D.TallyDelta{{Day: "2026-11-25", Measure: "dispatched", Delta: 1}}}
}

// TestHashFormulasAreFixed: the hashes of events written by earlier formulas never change, whatever
// the code learns to carry later (these values were computed by the hub before the summary
// carried the queues' fields, and HashV3's when it was introduced), so that a log written then
// still verifies. A field HashV3 covers changes its hash, and no earlier formula's.
func TestHashFormulasAreFixed(t *testing.T) {
	for _, c := range []struct {
		version int
		want    string
	}{
		{0, "3d450861fc8ee2820a20598df36e9026077cc3a9c8a1aa8093e8a61b4ef877fd"},
		{D.HashV2, "a2432840254854cd3acffd9754226895c7fe6b0f23515d300190845cce83dcad"},
		{D.HashV3, "4ed43f634af7126ab66b410727370604e91b968d0fb7d7db0c1e47a38f111efd"},
	} {
		if got := D.EventHash(formulaEvent(c.version)); got != c.want {
			t.Errorf("formula %d: hash %s, want %s", c.version, got, c.want)
		}
		e := formulaEvent(c.version)
		e.Summary.ReturnCount, e.Summary.Extension.Reason = 2, "另一理由"
		if changed := D.EventHash(e) != c.want; changed != (c.version >= D.HashV3) {
			t.Errorf("formula %d: a changed return count and extension reason changed the hash: %v", c.version, changed)
		}
	}
}

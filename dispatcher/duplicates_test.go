package dispatcher_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	D "cityhub/dispatcher"
)

// joinAt files a report at p that says it is about the case numbered into.
func (f *fixture) joinAt(t *testing.T, p D.Point, into, phone, externalID string) (D.SubmitResult, error) {
	t.Helper()
	cmp := complaintAt(p)
	cmp.JoinCase, cmp.Reporter.Phone, cmp.ExternalID = into, phone, externalID
	if externalID != "" {
		cmp.Channel = D.ChannelWeb
	}
	return f.svc.Submit(f.ctx, f.actor(t, "op1"), cmp)
}

// offset moves p by north and east metres (near Qijiang's latitude).
func offset(p D.Point, north, east float64) D.Point {
	return D.Point{Lat: p.Lat + north/111_195, Lng: p.Lng + east/(111_195*0.8746)}
}

// Twenty reports of one problem within 250 m make one case with twenty reporters: received and
// closed count it once, reports count twenty, and every reporter is among its reporters.
func TestTwentyReportsOfOneProblemAreOneCase(t *testing.T) {
	f := newFixture(t, false)
	first := f.submitAt(t, guNan, "0501")
	for i := 2; i <= 20; i++ {
		p := offset(guNan, float64(i*10), float64(-i*5)) // up to 224 m away
		res, err := f.joinAt(t, p, first.Number, fmt.Sprintf("139000000%02d", i), "")
		if err != nil || !res.Joined || res.Case.ID != first.ID {
			t.Fatalf("report %d: %+v, %v", i, res, err)
		}
	}
	c, _ := f.store.Case(f.ctx, first.ID)
	if c.ReporterCount() != 20 || len(c.Reports) != 19 || c.Reports[18].Seq != 19 {
		t.Fatalf("the case has %d reporters (%d joined)", c.ReporterCount(), len(c.Reports))
	}
	rs, err := f.svc.Reporters(f.ctx, f.actor(t, "op1"), c.ID)
	if err != nil || len(rs) != 20 || rs[19].Contact.Phone != "13900000020" || !rs[19].Joined {
		t.Fatalf("reporters %+v, %v", rs, err)
	}
	if masked, _ := f.svc.Reporters(f.ctx, f.actor(t, "boss"), c.ID); masked[19].Contact.Phone == "13900000020" {
		t.Error("a leader saw a joined reporter's phone unmasked")
	}
	f.closeCase(t, c, "gn-1")
	n := districtCounts(t, f, "2026-11-25", "2026-11-25")
	if n[D.MReceived] != 1 || n[D.MReports] != 20 || n[D.MClosed] != 1 {
		t.Errorf("counted received %d, reports %d, closed %d; want 1, 20, 1", n[D.MReceived], n[D.MReports], n[D.MClosed])
	}
	for _, m := range []string{D.MReceived, D.MReports, D.MClosed} {
		behind, err := f.svc.MeasureCases(f.ctx, f.actor(t, "boss"), D.MeasureCasesQuery{Measure: m, From: "2026-11-25", To: "2026-11-25"})
		if err != nil || behind.Total != 1 || behind.Cases[0].ID != c.ID {
			t.Errorf("cases behind %s: %+v, %v", m, behind, err)
		}
	}
	page, err := f.svc.Cases(f.ctx, f.actor(t, "op1"), D.CaseFilter{Phone: "13900000007"})
	if err != nil || page.Total != 1 || page.Cases[0].ID != c.ID {
		t.Errorf("a joined reporter's history: %+v, %v", page, err)
	}
}

// A report joins only a candidate: an open case of the bureau, of the same category, reported in
// the last 30 days within 250 m. Anything else is refused on join_case and stores nothing.
func TestJoinRefusesWhatIsNotACandidate(t *testing.T) {
	f := newFixture(t, false)
	open := f.submitAt(t, guNan, "0501")
	closed := f.closeCase(t, f.submitAt(t, guNan, "0504"), "gn-1")
	refusals := map[string]D.Complaint{}
	add := func(name string, p D.Point, into, category string) {
		cmp := complaintAt(p)
		cmp.JoinCase, cmp.Category = into, category
		refusals[name] = cmp
	}
	add("260 m away", offset(guNan, 260, 0), open.Number, "0501")
	add("another category", guNan, open.Number, "0504")
	add("a closed case", guNan, closed.Number, "0504")
	add("no such case", guNan, "QJ20261125999999", "0501")
	for name, cmp := range refusals {
		_, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), cmp)
		if e, ok := err.(*D.Error); !ok || e.Code != D.EInvalid || e.Field != "join_case" {
			t.Errorf("%s: %v, want invalid join_case", name, err)
		}
	}
	f.clock.Add(31 * 24 * time.Hour)
	if _, err := f.joinAt(t, guNan, open.Number, "13900000001", ""); D.ErrorCode(err) != D.EInvalid {
		t.Errorf("joined a case 31 days old: %v", err)
	}
	c, _ := f.store.Case(f.ctx, open.ID)
	if len(c.Reports) != 0 {
		t.Fatalf("refused joins stored %d reports", len(c.Reports))
	}
	if n := districtCounts(t, f, "2026-11-25", "2026-12-26"); n[D.MReports] != 2 {
		t.Errorf("reports counted %d, want the 2 cases", n[D.MReports])
	}
}

// A channel's retry of a joined report (the same message id) finds the case and adds nothing.
func TestJoinedReportRetriedIsOneReport(t *testing.T) {
	f := newFixture(t, false)
	first := f.submitAt(t, guNan, "0501")
	for i := range 3 {
		res, err := f.joinAt(t, guNan, first.Number, "13900000001", "web-abc")
		if err != nil || res.Case.ID != first.ID || res.Joined != (i == 0) || res.Duplicate != (i > 0) {
			t.Fatalf("delivery %d: joined %v duplicate %v, %v", i+1, res.Joined, res.Duplicate, err)
		}
	}
	c, _ := f.store.Case(f.ctx, first.ID)
	if len(c.Reports) != 1 {
		t.Fatalf("%d reports after three deliveries", len(c.Reports))
	}
}

// Candidates are the open complaints of the category within 250 m, nearest first, with nothing
// personal, and the description only of public cases; a 举报 is not offered.
func TestCandidatesAreNearbyOpenCasesWithoutPersonalData(t *testing.T) {
	f := newFixture(t, false)
	near := f.submitAt(t, offset(guNan, 100, 0), "0501")
	nearest := f.submitAt(t, offset(guNan, 0, 40), "0501")
	f.submitAt(t, offset(guNan, 400, 0), "0501") // too far
	f.submitAt(t, guNan, "0504")                 // another category
	report := complaintAt(guNan)                 // a 举报: never offered to the public
	report.Nature = "report"
	if _, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), report); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Candidates(f.ctx, guNan, "0501")
	if err != nil {
		t.Fatal(err)
	}
	numbers := []string{}
	for _, c := range got {
		numbers = append(numbers, c.Number)
		if c.Text != "" && !c.Public {
			t.Errorf("%s: the text of a private case", c.Number)
		}
	}
	if !slices.Equal(numbers, []string{nearest.Number, near.Number}) || got[0].DistanceM != 40 {
		t.Fatalf("candidates %v (first at %.1f m), want %s, %s", numbers, got[0].DistanceM, nearest.Number, near.Number)
	}
}

// A merged case is the earlier case's problem: received and registered count the pair once, its
// reporter becomes one of the earlier case's, and its phone finds the earlier case.
func TestMergedCaseCountsOnceAndLendsItsReporter(t *testing.T) {
	f := newFixture(t, true) // manual: cases wait in the centre, where they may be merged
	earlier := f.submitAt(t, guNan, "0501")
	cmp := complaintAt(offset(guNan, 50, 0))
	cmp.Reporter.Phone = "13700000000"
	res, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), cmp)
	if err != nil {
		t.Fatal(err)
	}
	later := f.act(t, "lead1", res.Case, D.ActionRequest{Action: D.ActRegister})
	before := districtCounts(t, f, "2026-11-25", "2026-11-25")
	f.act(t, "lead1", later, mergeInto(earlier, "同一摊点"))
	after := districtCounts(t, f, "2026-11-25", "2026-11-25")
	if before[D.MReceived] != 2 || after[D.MReceived] != 1 || after[D.MRegistered] != before[D.MRegistered]-1 ||
		after[D.MReports] != 2 || after[D.MMerged] != 1 {
		t.Errorf("before %v\nafter %v", before, after)
	}
	rs, err := f.svc.Reporters(f.ctx, f.actor(t, "op1"), earlier.ID)
	if err != nil || len(rs) != 2 || rs[1].Contact.Phone != "13700000000" || !rs[1].Merged || rs[1].Case != later.Number {
		t.Fatalf("reporters of the earlier case: %+v, %v", rs, err)
	}
	page, _ := f.svc.Cases(f.ctx, f.actor(t, "op1"), D.CaseFilter{Phone: "13700000000"})
	if page.Total != 2 {
		t.Errorf("the merged reporter's history lists %d cases, want the merged one and the earlier one", page.Total)
	}
	behind, _ := f.svc.MeasureCases(f.ctx, f.actor(t, "boss"), D.MeasureCasesQuery{Measure: D.MReceived, From: "2026-11-25", To: "2026-11-25"})
	if behind.Total != 1 || behind.Cases[0].ID != earlier.ID {
		t.Errorf("cases behind received: %d", behind.Total)
	}
}

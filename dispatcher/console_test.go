package dispatcher_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	D "cityhub/dispatcher"
	"cityhub/geo"
)

// north is the point d metres north of p.
func north(p D.Point, d float64) D.Point {
	return D.Point{Lat: p.Lat + d/geo.EarthRadius*180/3.141592653589793, Lng: p.Lng}
}

func numbers(rows []D.NearbyRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Number
	}
	return out
}

// TestNearby: the open cases of the same category within 250 m reported in the last 30 days,
// nearest first with their distance; not an older one, a farther one, one of another category or
// a finished one; a unit's members only their unit's.
func TestNearby(t *testing.T) {
	f := newFixture(t, false)
	old := f.submitAt(t, guNan, "0501")
	f.clock.Add(31 * 24 * time.Hour)
	far := f.submitAt(t, north(guNan, 240), "0501")
	near := f.submitAt(t, north(guNan, 100), "0501")
	f.submitAt(t, north(guNan, 260), "0501")
	f.submitAt(t, north(guNan, 10), "0101")
	voided := f.submitAt(t, north(guNan, 20), "0501")
	f.act(t, "lead1", voided, D.ActionRequest{Action: D.ActVoid, Reason: "重复登记"})

	rows, err := f.svc.Nearby(f.ctx, f.actor(t, "op1"), guNan, "0501")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := numbers(rows), []string{near.Number, far.Number}; !slices.Equal(got, want) {
		t.Fatalf("nearby %v, want %v (not %s, reported 31 days ago)", got, want, old.Number)
	}
	if d := rows[0].Distance; d < 99.5 || d > 100.5 || rows[0].Reporter == nil || rows[0].Reporter.Phone != "13812345678" {
		t.Errorf("nearest: %.1f m, reporter %+v; want 100 m and the operator's full view", d, rows[0].Reporter)
	}
	if rows, _ := f.svc.Nearby(f.ctx, f.actor(t, "gn-lead"), guNan, "0501"); len(rows) != 2 || rows[0].Reporter.Phone != "138****5678" {
		t.Errorf("古南's lead sees %v, want both, masked", numbers(rows))
	}
	if rows, _ := f.svc.Nearby(f.ctx, f.actor(t, "sj-lead"), guNan, "0501"); len(rows) != 0 {
		t.Errorf("三江's lead sees 古南's cases %v", numbers(rows))
	}
	if _, err := f.svc.Nearby(f.ctx, f.actor(t, "op1"), guNan, "9999"); D.ErrorField(err) != "category" {
		t.Errorf("an unknown category: %v", err)
	}
}

// TestPreviewRoute: the router's answer and what filing would do, with nothing written.
func TestPreviewRoute(t *testing.T) {
	f := newFixture(t, false)
	pv, err := f.svc.PreviewRoute(f.ctx, guNan, "0501", "")
	if err != nil {
		t.Fatal(err)
	}
	if pv.Outcome != D.OutcomeDispatch || pv.Routing.Unit != "QJ-GN-DD" || pv.UnitName == "" ||
		!strings.Contains(pv.Note, pv.UnitName) || pv.Routing.Explanation == "" {
		t.Errorf("古南, 0501: %+v", pv)
	}
	ws := D.Point{Lat: 28.9587, Lng: 106.9265}
	if pv, err := f.svc.PreviewRoute(f.ctx, ws, "0501", ""); err != nil || pv.Outcome != D.OutcomeTransfer || pv.Routing.Unit != "EXT-WS" {
		t.Errorf("万盛: %+v %v", pv, err)
	}
	if pv, err := f.svc.PreviewRoute(f.ctx, guNan, "0501", "inquiry"); err != nil || pv.Outcome != D.OutcomeCentre {
		t.Errorf("an inquiry: %+v %v", pv, err)
	}
	if _, err := f.svc.PreviewRoute(f.ctx, D.Point{Lat: 39.9, Lng: 116.4}, "0501", ""); D.ErrorCode(err) != D.EOutside {
		t.Errorf("Beijing: %v, want outside", err)
	}
	if _, err := f.svc.PreviewRoute(f.ctx, guNan, "0501", "gossip"); D.ErrorField(err) != "nature" {
		t.Errorf("an unknown nature: %v", err)
	}
	if last, _ := f.store.LastEventID(f.ctx); last != 0 {
		t.Errorf("a preview wrote events (last id %d)", last)
	}
	manual := newFixture(t, true)
	if pv, err := manual.svc.PreviewRoute(f.ctx, guNan, "0501", ""); err != nil || pv.Outcome != D.OutcomeCentre || pv.Routing.Unit != "QJ-GN-DD" {
		t.Errorf("under manual dispatch: %+v %v", pv, err)
	}
}

// TestSnapshot: every open case the actor may see and those finished today, oldest first, as rows
// equal to the summaries their last events carry, with the reporter as the actor may see them;
// the stream position is the one before the cases were read.
func TestSnapshot(t *testing.T) {
	f := newFixture(t, false)
	yesterday := f.submit(t, "complaint", "0501")
	f.act(t, "lead1", yesterday, D.ActionRequest{Action: D.ActVoid, Reason: "重复登记"})
	f.clock.Add(24 * time.Hour)
	open := f.submit(t, "complaint", "0501")
	today := f.submit(t, "complaint", "0501")
	f.act(t, "lead1", today, D.ActionRequest{Action: D.ActVoid, Reason: "重复登记"})
	sanJiang := f.submitAt(t, D.Point{Lat: 28.8697, Lng: 106.6372}, "0501")
	last, _ := f.store.LastEventID(f.ctx)

	snap, err := f.svc.Snapshot(f.ctx, f.actor(t, "disp1"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range snap.Cases {
		got = append(got, r.Number)
	}
	if want := []string{open.Number, today.Number, sanJiang.Number}; !slices.Equal(got, want) || snap.LastEventID != last {
		t.Fatalf("snapshot %v at %d, want %v at %d", got, snap.LastEventID, want, last)
	}
	row := snap.Cases[0]
	evs, _ := f.store.CaseEvents(f.ctx, open.ID)
	if want := evs[len(evs)-1].Summary; row.ID != open.ID || row.Version != want.Version || row.State != want.State ||
		!row.UpdatedAt.Equal(want.UpdatedAt) || row.Text != want.Text || row.Reporter.Phone != "138****5678" {
		t.Errorf("row %+v, want the last event's summary %+v and a masked phone", row, want)
	}
	if snap, _ := f.svc.Snapshot(f.ctx, f.actor(t, "op1")); snap.Cases[0].Reporter.Phone != "13812345678" {
		t.Errorf("the operator's row: %+v", snap.Cases[0].Reporter)
	}
	unit, _ := f.svc.Snapshot(f.ctx, f.actor(t, "gn-1"))
	if len(unit.Cases) != 2 || unit.Cases[0].Unit != "QJ-GN-DD" || unit.Cases[1].Unit != "QJ-GN-DD" {
		t.Errorf("古南's officer sees %d cases: %+v", len(unit.Cases), unit.Cases)
	}
}

// TestCallerHistory: a caller's earlier cases by exact number, newest first, for operators and
// shift leaders; anyone else is refused, and so is something that is not a number.
func TestCallerHistory(t *testing.T) {
	f := newFixture(t, false)
	first := f.submit(t, "complaint", "0501")
	second := f.submit(t, "complaint", "0101")
	other := complaintAt(guNan)
	other.Reporter.Phone = "13900001111"
	if _, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), other); err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.Cases(f.ctx, f.actor(t, "op1"), D.CaseFilter{Phone: "13812345678", Newest: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || page.Cases[0].Number != second.Number || page.Cases[1].Number != first.Number {
		t.Errorf("the caller's cases: %d, want %s then %s", page.Total, second.Number, first.Number)
	}
	for _, login := range []string{"disp1", "insp1", "boss", "admin", "gn-lead"} {
		if _, err := f.svc.Cases(f.ctx, f.actor(t, login), D.CaseFilter{Phone: "13812345678"}); D.ErrorCode(err) != D.EForbidden {
			t.Errorf("%s looked a caller up: %v", login, err)
		}
	}
	if _, err := f.svc.Cases(f.ctx, f.actor(t, "lead1"), D.CaseFilter{Phone: "1381234%"}); D.ErrorField(err) != "phone" {
		t.Errorf("a pattern for a number: %v", err)
	}
}

// racingStore runs a write right after the first of the two reads a snapshot makes (the stream
// position and the cases), whichever comes first: the moment at which a write would be missed if
// the snapshot read them in the wrong order.
type racingStore struct {
	D.Store
	write func()
	once  sync.Once
}

func (s *racingStore) LastEventID(ctx context.Context) (int64, error) {
	defer s.once.Do(s.write)
	return s.Store.LastEventID(ctx)
}

func (s *racingStore) ListCases(ctx context.Context, f D.CaseFilter) (D.CasePage, error) {
	defer s.once.Do(s.write)
	return s.Store.ListCases(ctx, f)
}

// TestSnapshotThenStreamMissesNothing: a console that applies, from a snapshot, the events after
// its last_event_id whose summary's version is newer than its row ends with what the store holds,
// even when a write lands between the snapshot's two reads.
func TestSnapshotThenStreamMissesNothing(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501")
	racing := &racingStore{Store: f.store}
	ref, router := qijiang(t)
	svc, err := D.NewService(D.Config{Store: racing, Router: router, Reference: ref, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	racing.write = func() { f.act(t, "gn-1", c, D.ActionRequest{Action: D.ActAcknowledge}) }
	snap, err := svc.Snapshot(f.ctx, f.actor(t, "disp1"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[int64]D.CaseSummary{}
	for _, r := range snap.Cases {
		rows[r.ID] = r.CaseSummary
	}
	evs, err := f.store.EventsAfter(f.ctx, snap.LastEventID, 0) // what the stream sends from since
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if s := D.EventSummary(e); s.Version > rows[e.CaseID].Version {
			rows[e.CaseID] = s
		}
	}
	stored, _ := f.store.Case(f.ctx, c.ID)
	if got := rows[c.ID]; got.State != D.InProgress || got.Version != stored.Version {
		t.Errorf("the console holds %s version %d, the store %s version %d", got.State, got.Version, stored.State, stored.Version)
	}
}

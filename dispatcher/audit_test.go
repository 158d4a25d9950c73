package dispatcher_test

import (
	"context"
	"strings"
	"testing"
	"time"

	D "cityhub/dispatcher"

	"golang.org/x/mod/sumdb/tlog"
)

// legacyStore writes new cases as a hub did before hash formula 2: events hashed with the first
// formula, without digest or deltas, and no seal.
type legacyStore struct{ D.Store }

func (s legacyStore) CreateCase(ctx context.Context, c *D.Case, evs []*D.Event, tallies []D.Tally) error {
	prev := ""
	for _, e := range evs {
		e.HashVersion, e.CaseDigest, e.Tallies, e.PrevHash = 0, "", nil, prev
		e.Hash = D.EventHash(e)
		prev = e.Hash
	}
	c.LastHash, c.Seal = prev, nil
	return s.Store.CreateCase(ctx, c, evs, tallies)
}

func audit(t *testing.T, f *fixture) *D.AuditReport {
	t.Helper()
	rep, err := D.Audit(f.ctx, f.store, D.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("audit findings: %q", rep.Findings)
	}
	return rep
}

// TestLegacyEventsStillVerify: a case written before hash formula 2 verifies, and the audit says
// how many such events it found; its next write gives it a seal and chains formula-2 events after
// the old ones, and the whole case verifies again, its body now covered.
func TestLegacyEventsStillVerify(t *testing.T) {
	f := newFixture(t, false)
	ref, router := qijiang(t)
	old, err := D.NewService(D.Config{Store: legacyStore{f.store}, Router: router, Reference: ref, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	res, err := old.Submit(f.ctx, f.actor(t, "op1"), complaintAt(guNan))
	if err != nil {
		t.Fatal(err)
	}
	f.submit(t, "complaint", "0501") // and one of today
	rep := audit(t, f)
	if rep.LegacyEvents != 3 || rep.LegacyCases != 1 || rep.Events != 6 || rep.CountersSkipped == 0 {
		t.Errorf("audit of a legacy case: %d legacy events in %d cases of %d events, %d counters skipped; want 3 in 1 of 6, some",
			rep.LegacyEvents, rep.LegacyCases, rep.Events, rep.CountersSkipped)
	}
	c := f.act(t, "gn-1", res.Case, D.ActionRequest{Action: D.ActAcknowledge})
	if stored, err := f.store.Case(f.ctx, c.ID); err != nil || len(stored.Seal) == 0 {
		t.Fatalf("the legacy case's next write gave it no seal (%v)", err)
	}
	if rep := audit(t, f); rep.LegacyEvents != 3 || rep.LegacyCases != 0 {
		t.Errorf("after its next write: %d legacy events in %d cases, want 3 in 0", rep.LegacyEvents, rep.LegacyCases)
	}
}

// TestChainFindingsNameEveryBreak: VerifyChain names an event hashed with the first formula after
// one hashed with the second (a downgrade), a broken link and a head that does not match.
func TestChainFindingsNameEveryBreak(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501")
	evs, err := f.store.CaseEvents(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	last.HashVersion, last.CaseDigest, last.Tallies = 0, "", nil
	last.Hash = D.EventHash(last)
	c.LastHash = last.Hash
	err = D.VerifyChain(c, evs)
	if err == nil || !strings.Contains(err.Error(), "hashed with an older formula") {
		t.Errorf("a downgraded event: %v", err)
	}
	c.Version++
	if err := D.VerifyChain(c, evs[:2]); err == nil || !strings.Contains(err.Error(), "its head says version") {
		t.Errorf("a truncated chain: %v", err)
	}
}

// TestLeafRecord holds the leaf's record, which published checkpoints depend on, to its format.
func TestLeafRecord(t *testing.T) {
	l := D.LogLeaf{Index: 7, EventID: 57, CaseID: 42, Number: "QJ20261204000042", Seq: 4, Hash: "ab12"}
	want := `{"event":57,"case":42,"number":"QJ20261204000042","seq":4,"hash":"ab12"}`
	if got := string(l.Record()); got != want {
		t.Errorf("leaf record %s, want %s", got, want)
	}
	if got := l.LeafHash(); got != tlog.RecordHash([]byte(want)) {
		t.Errorf("leaf hash %s is not RFC 6962's hash of the record", got)
	}
}

// TestCheckpointNotes: a checkpoint signed with a key opens with its verifier key (derived from
// the signing key too) and no other, and a note of another log or of a malformed text is refused.
func TestCheckpointNotes(t *testing.T) {
	skey, vkey, err := D.NewAuditKey("audit.example/qj")
	if err != nil {
		t.Fatal(err)
	}
	if derived, err := D.AuditVerifierKey(skey); err != nil || derived != vkey {
		t.Errorf("verifier key derived from the signing key: %q (%v), want %q", derived, err, vkey)
	}
	f := newFixture(t, false)
	f.submit(t, "complaint", "0501")
	ls := f.store.(D.LogStore)
	c, err := D.SignCheckpoint(f.ctx, ls, skey, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Note, D.CheckpointText("audit.example/qj", 3, c.Root)+"\n— audit.example/qj ") {
		t.Errorf("checkpoint note:\n%s", c.Note)
	}
	if got, err := D.OpenCheckpoint([]byte(c.Note), vkey); err != nil || got.Size != 3 || got.Root != c.Root {
		t.Errorf("OpenCheckpoint = %+v, %v", got, err)
	}
	_, otherKey, _ := D.NewAuditKey("audit.example/qj")
	if _, err := D.OpenCheckpoint([]byte(c.Note), otherKey); err == nil {
		t.Error("a checkpoint opened with another key")
	}
	otherLog, otherLogKey, _ := D.NewAuditKey("audit.example/other")
	other, err := D.SignCheckpoint(f.ctx, ls, otherLog, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := D.OpenCheckpoint([]byte(other.Note), otherLogKey); err != nil {
		t.Errorf("a second log's checkpoint: %v", err)
	}
	if _, err := D.OpenCheckpoint([]byte("audit.example/qj\nnot a size\n"), vkey); err == nil {
		t.Error("a malformed checkpoint was accepted")
	}
}

// v2Store writes new cases as a hub did before hash formula 3: the summary without the queues'
// fields, hashed with the second formula.
type v2Store struct{ D.Store }

func (s v2Store) CreateCase(ctx context.Context, c *D.Case, evs []*D.Event, tallies []D.Tally) error {
	prev := ""
	for _, e := range evs {
		old := e.Summary
		e.Summary = D.CaseSummary{Number: old.Number, State: old.State, Owner: old.Owner, Unit: old.Unit,
			Channel: old.Channel, Nature: old.Nature, Category: old.Category, Jurisdiction: old.Jurisdiction,
			Address: old.Address, Point: old.Point, Deadline: old.Deadline, Overdue: old.Overdue}
		e.HashVersion, e.PrevHash = D.HashV2, prev
		e.Hash = D.EventHash(e)
		prev = e.Hash
	}
	c.LastHash = prev
	return s.Store.CreateCase(ctx, c, evs, tallies)
}

// TestSecondFormulaEventsStillVerify: a case written with hash formula 2 verifies, its summary
// checked on the fields that formula covers; its next write chains formula-3 events, whose
// summaries carry the queues' fields, and the case verifies again. EventSummary gives the old
// events the version and time their event knows.
func TestSecondFormulaEventsStillVerify(t *testing.T) {
	f := newFixture(t, false)
	ref, router := qijiang(t)
	old, err := D.NewService(D.Config{Store: v2Store{f.store}, Router: router, Reference: ref, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	res, err := old.Submit(f.ctx, f.actor(t, "op1"), complaintAt(guNan))
	if err != nil {
		t.Fatal(err)
	}
	if rep := audit(t, f); rep.LegacyEvents != 0 || rep.Events != 3 {
		t.Errorf("audit of a formula-2 case: %d legacy events of %d, want 0 of 3", rep.LegacyEvents, rep.Events)
	}
	evs, err := f.store.CaseEvents(f.ctx, res.Case.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s := D.EventSummary(evs[1]); s.Version != 2 || !s.UpdatedAt.Equal(evs[1].At) {
		t.Errorf("a formula-2 event's summary: version %d updated %v, want 2 and its time", s.Version, s.UpdatedAt)
	}
	f.clock.Add(time.Minute)
	c := f.act(t, "gn-1", res.Case, D.ActionRequest{Action: D.ActAcknowledge})
	audit(t, f)
	evs, err = f.store.CaseEvents(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.HashVersion != D.HashV3 || last.Summary.Version != 4 || last.Summary.Text != "人行道上有流动摊贩" ||
		!last.Summary.CreatedAt.Equal(c.CreatedAt) || !last.Summary.UpdatedAt.Equal(last.At) {
		t.Errorf("the next write: formula %d, summary %+v", last.HashVersion, last.Summary)
	}
}

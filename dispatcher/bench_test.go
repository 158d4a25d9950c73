package dispatcher_test

import (
	"context"
	"testing"

	D "cityhub/dispatcher"
)

// nullStore keeps one case in memory and writes nothing, so that the write benchmarks below
// measure the domain's own CPU per write (routing, clocks, events, their hashes), which the
// store's cost would otherwise hide.
type nullStore struct {
	D.Store
	c      *D.Case
	nextID int64
}

func (s *nullStore) CreateCase(_ context.Context, c *D.Case, evs []*D.Event, _ []D.Tally) error {
	s.nextID++
	c.ID, c.Number = s.nextID, D.CompleteNumber(c.Number, s.nextID)
	for _, e := range evs {
		e.CaseID, e.Summary.Number = c.ID, c.Number
	}
	s.c = c
	return nil
}

func (s *nullStore) UpdateCase(_ context.Context, c *D.Case, _ int64, evs []*D.Event, _ []D.Tally) error {
	for _, e := range evs {
		e.CaseID, e.Summary.Number = c.ID, c.Number
	}
	return nil
}

func (s *nullStore) Case(context.Context, int64) (*D.Case, error) { return s.c, nil }

func newNullService(b *testing.B) (*D.Service, *nullStore) {
	ref, router := qijiang(b)
	st := &nullStore{}
	svc, err := D.NewService(D.Config{Store: st, Router: router, Reference: ref, Now: at("2026-11-25 10:00").UTC})
	if err != nil {
		b.Fatal(err)
	}
	return svc, st
}

// BenchmarkSubmitDomain is the domain's CPU for one report under the automatic policy: routed,
// received, registered and dispatched (three events) in one write.
func BenchmarkSubmitDomain(b *testing.B) {
	svc, _ := newNullService(b)
	cmp := complaintAt(guNan)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Submit(ctx, D.SystemActor, cmp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkActDomain is the domain's CPU for one action (a note) on a dispatched case.
func BenchmarkActDomain(b *testing.B) {
	svc, st := newNullService(b)
	ctx := context.Background()
	if _, err := svc.Submit(ctx, D.SystemActor, complaintAt(guNan)); err != nil {
		b.Fatal(err)
	}
	lead := D.Actor{Login: "lead1", Role: D.ShiftLeader, Unit: D.CommandCentre}
	req := D.ActionRequest{Action: D.ActNote, Text: "已电话联系商户"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Act(ctx, lead, st.c.ID, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubmitSQLite is a whole report written to a SQLite store (one writer: every write
// waits for its own commit and disk flush).
func BenchmarkSubmitSQLite(b *testing.B) {
	f := newFixture(b, false)
	cmp := complaintAt(guNan)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Submit(f.ctx, D.SystemActor, cmp); err != nil {
			b.Fatal(err)
		}
	}
}

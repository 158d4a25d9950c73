package dispatcher_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"cityhub/dispatcher"
)

// recordingBus records every id published and checks, at the moment of the call, that the event
// with that id can already be read from the store: a wake-up must never run ahead of the commit.
type recordingBus struct {
	t     *testing.T
	store dispatcher.Store
	mu    sync.Mutex
	ids   []int64
}

func (b *recordingBus) Publish(ctx context.Context, id int64) error {
	evs, err := b.store.EventsAfter(ctx, id-1, 1)
	if err != nil || len(evs) != 1 || evs[0].ID != id {
		b.t.Errorf("Publish(%d) before event %d is readable: %v, %v", id, id, evs, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ids = append(b.ids, id)
	return nil
}

func (b *recordingBus) published() []int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.ids)
}

func (b *recordingBus) Subscribe() (<-chan int64, func()) { return make(chan int64), func() {} }
func (b *recordingBus) Close() error                      { return nil }

// TestEveryWriteRingsWithItsLastEvent: a report and an action each ring the bus once, after their
// commit, with the id of the last event they wrote.
func TestEveryWriteRingsWithItsLastEvent(t *testing.T) {
	bus := &recordingBus{t: t}
	f := newFixtureOn(t, false, bus)
	bus.store = f.store
	res, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), complaintAt(guNan))
	if err != nil {
		t.Fatal(err)
	}
	act, err := f.svc.Act(f.ctx, f.actor(t, "gn-lead"), res.Case.ID, dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := f.store.CaseEvents(f.ctx, res.Case.ID)
	if err != nil {
		t.Fatal(err)
	}
	submitted := evs[len(evs)-1-len(act.Events)].ID
	want := []int64{submitted, act.Events[len(act.Events)-1].ID}
	if got := bus.published(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
}

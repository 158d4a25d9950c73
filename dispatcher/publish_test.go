package dispatcher_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// gatedBus is a bus whose first Publish waits until the gate opens, as a Redis that is slow to
// answer would; it records every id published.
type gatedBus struct {
	gate    chan struct{}
	waiting chan struct{} // closed once the first Publish waits at the gate
	once    sync.Once
	opened  sync.Once
	mu      sync.Mutex
	ids     []int64
}

func newGatedBus(t *testing.T) *gatedBus {
	b := &gatedBus{gate: make(chan struct{}), waiting: make(chan struct{})}
	t.Cleanup(b.open) // a failing test must not leave a Publish waiting
	return b
}

func (b *gatedBus) open() { b.opened.Do(func() { close(b.gate) }) }

func (b *gatedBus) Publish(_ context.Context, id int64) error {
	b.once.Do(func() {
		close(b.waiting)
		<-b.gate
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ids = append(b.ids, id)
	return nil
}

func (b *gatedBus) published() []int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.ids)
}

func (b *gatedBus) Subscribe() (<-chan int64, func()) { return make(chan int64), func() {} }
func (b *gatedBus) Close() error                      { return nil }

// TestReportsDoNotWaitForTheBus: a report is answered once it is committed, while the wake-up
// for it is still being published; the reports that commit meanwhile are announced together by
// one wake-up carrying the largest event id.
func TestReportsDoNotWaitForTheBus(t *testing.T) {
	bus := newGatedBus(t)
	f := newFixtureOn(t, false, bus)
	actor := f.actor(t, "op1")
	answered := make(chan *dispatcher.Case)
	go func() {
		defer close(answered)
		for range 4 {
			res, err := f.svc.Submit(f.ctx, actor, complaintAt(guNan))
			if err != nil {
				t.Error(err)
				return
			}
			answered <- res.Case
		}
	}()
	var lastIDs []int64 // the last event id of each report
	for i := range 4 {
		var c *dispatcher.Case
		select {
		case c = <-answered:
		case <-time.After(5 * time.Second):
			t.Fatalf("report %d was not answered while the bus was publishing the first wake-up", i+1)
		}
		if c == nil {
			t.FailNow()
		}
		if i == 0 {
			<-bus.waiting // the first report's wake-up is being published, and does not return
		}
		evs, err := f.store.CaseEvents(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		lastIDs = append(lastIDs, evs[len(evs)-1].ID)
	}
	bus.open()
	want := []int64{lastIDs[0], lastIDs[3]}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(bus.published(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("published %v, want %v", bus.published(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

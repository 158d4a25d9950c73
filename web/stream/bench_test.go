package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// BenchmarkFanout measures one event going to N consoles. An op is one event.
//
//   - hub: the hub's own work (read, encode once, offer to every queue) with in-process queues
//     drained by goroutines; its allocations should not grow with N.
//   - ws: end to end over loopback websockets, including the consoles' reads (gorilla allocates
//     a reader per received message, so allocations there grow with N on the console side).
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("hub/clients=%d", n), func(b *testing.B) { benchHub(b, n) })
	}
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("ws/clients=%d", n), func(b *testing.B) { benchWS(b, n) })
	}
}

func benchHub(b *testing.B, n int) {
	store := &fakeStore{}
	store.add(benchEvents(b.N)...)
	h := NewHub(store, nil, Options{QueueSize: 1024, Logger: slog.New(slog.DiscardHandler)})
	var delivered atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		c := &client{hub: h, actor: actors["centre"], queue: make(chan queued, 1024),
			catchingUp: true, dropped: make(chan struct{}), readerDone: make(chan struct{})}
		h.register(c)
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case m := <-c.queue:
					if len(m.data) > 0 {
						delivered.Add(1)
					}
				case <-stop:
					return
				}
			}
		}()
	}
	b.ReportAllocs()
	b.ResetTimer()
	h.pump(context.Background())
	b.StopTimer()
	if h.cursor != int64(b.N) {
		b.Fatalf("cursor %d after %d events", h.cursor, b.N)
	}
	close(stop)
	for i := 0; i < n; i++ {
		<-done
	}
}

func benchWS(b *testing.B, n int) {
	h := newHarness(b, Options{Logger: slog.New(slog.DiscardHandler)}, false)
	h.start()
	counts := make([]*atomic.Int64, n)
	for i := range counts {
		conn := h.dial("centre", 0)
		expectLive(b, conn, 0)
		counts[i] = new(atomic.Int64)
		go discard(conn, counts[i])
	}
	const batch = 100 // below the default queue of 256: nobody is dropped
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		k := min(batch, b.N-sent)
		h.publish(benchEvents(k)...)
		sent += k
		for _, c := range counts {
			for c.Load() < int64(sent) {
				time.Sleep(20 * time.Microsecond)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*float64(n)/time.Since(start).Seconds(), "deliveries/s")
	for _, c := range counts {
		if c.Load() != int64(b.N) {
			b.Fatalf("a console got %d of %d", c.Load(), b.N)
		}
	}
}

// benchEvents are typical events: a case summary, an actor, a little detail.
func benchEvents(n int) []*dispatcher.Event {
	evs := make([]*dispatcher.Event, n)
	deadline := time.Date(2026, 11, 28, 17, 0, 0, 0, shanghai)
	for i := range evs {
		ev := event(int64(i+1), unitDD)
		ev.Summary.Category = "市容环境/占道经营"
		ev.Summary.Address = "钱江街道南星路128号"
		ev.Summary.Deadline = &deadline
		evs[i] = ev
	}
	return evs
}

// BenchmarkEncode: one event message, as the hub writes it once for every console that sees it.
func BenchmarkEncode(b *testing.B) {
	h := &Hub{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ev := event(7, unitDD)
	deadline := time.Date(2026, 11, 30, 17, 0, 0, 0, shanghai)
	ev.Summary.Deadline = &deadline
	ev.Data = json.RawMessage(`{"acknowledge_by":"2026-11-30T09:01:33.2276+08:00","co_handlers":null,"handle_by":"2026-11-30T14:01:33.2276+08:00","unit":"QJ-SJ-DD"}`)
	for b.Loop() {
		if h.encode(ev) == nil {
			b.Fatal("not encoded")
		}
	}
}

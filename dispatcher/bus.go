package dispatcher

import (
	"context"
	"sync"
)

// LocalBus is the in-process Bus of a single hub instance.
type LocalBus struct {
	mu   sync.Mutex
	subs map[chan int64]struct{}
}

var _ Bus = (*LocalBus)(nil)

// NewLocalBus returns an empty in-process bus.
func NewLocalBus() *LocalBus { return &LocalBus{subs: map[chan int64]struct{}{}} }

// Publish wakes every subscriber without ever blocking: a subscriber that has not taken its last
// wake-up gets it replaced by the newer one.
func (b *LocalBus) Publish(_ context.Context, id int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		deliverLatest(ch, id)
	}
	return nil
}

// deliverLatest puts id into a one-slot channel, replacing an older value that is still there.
func deliverLatest(ch chan int64, id int64) {
	for {
		select {
		case ch <- id:
			return
		default:
		}
		select {
		case old := <-ch:
			if old > id {
				id = old
			}
		default:
		}
	}
}

// Subscribe registers a subscriber.
func (b *LocalBus) Subscribe() (<-chan int64, func()) {
	ch := make(chan int64, 1)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, ch)
			b.mu.Unlock()
		})
	}
}

// Close ends nothing: subscribers end their own subscriptions.
func (b *LocalBus) Close() error { return nil }

package dispatcher

import (
	"context"
	"sync"
)

// Signals carry short-lived messages to whoever listens now, on every instance: a telephone
// ringing for an operator. Unlike the event log, nothing is kept: a console that is not open
// misses it, as it would miss the ring. In-process here; Redis pub/sub between instances.
type Signals interface {
	// Signal hands msg to the listeners of topic, without blocking.
	Signal(ctx context.Context, topic string, msg []byte) error
	// Listen returns the messages of topic from now on, and a function that stops listening. A
	// listener that does not keep up loses messages, never blocks the sender.
	Listen(topic string) (<-chan []byte, func())
}

// LocalSignals is Signals within one process.
type LocalSignals struct {
	mu        sync.Mutex
	listeners map[string]map[chan []byte]struct{}
}

// NewLocalSignals returns in-process Signals.
func NewLocalSignals() *LocalSignals {
	return &LocalSignals{listeners: map[string]map[chan []byte]struct{}{}}
}

// Signal implements Signals.
func (l *LocalSignals) Signal(_ context.Context, topic string, msg []byte) error {
	l.Deliver(topic, msg)
	return nil
}

// Deliver hands msg to this process's listeners of topic (a bus adapter calls it with what it
// received from the other instances).
func (l *LocalSignals) Deliver(topic string, msg []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.listeners[topic] {
		select {
		case ch <- msg:
		default: // a listener that does not keep up loses it
		}
	}
}

// Listen implements Signals.
func (l *LocalSignals) Listen(topic string) (<-chan []byte, func()) {
	ch := make(chan []byte, 8)
	l.mu.Lock()
	if l.listeners[topic] == nil {
		l.listeners[topic] = map[chan []byte]struct{}{}
	}
	l.listeners[topic][ch] = struct{}{}
	l.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.listeners[topic], ch)
			if len(l.listeners[topic]) == 0 {
				delete(l.listeners, topic)
			}
			l.mu.Unlock()
		})
	}
}

var _ Signals = (*LocalSignals)(nil)

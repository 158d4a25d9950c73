package stream

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// A console that resumes after an id beyond the end of the log is told so with CloseBeyondEnd,
// not left waiting for events that will never come; one that resumes at the end goes live.
func TestResumeBeyondTheEndIsClosed(t *testing.T) {
	h := newHarness(t, Options{HorizonGrace: 10 * time.Millisecond}, false)
	h.publish(events(3)...)
	h.start()

	atEnd := h.dial("centre", 3)
	expectLive(t, atEnd, 3)

	ce, ids := expectClose(t, h.dial("centre", 10))
	if ce.Code != CloseBeyondEnd || len(ids) != 0 ||
		!strings.Contains(ce.Text, "since=10 is beyond the last event 3") || !strings.Contains(ce.Text, "since=3") {
		t.Fatalf("resuming at 10 of 3 events: close %d %q after %v; want %d naming since=10 and the last event 3",
			ce.Code, ce.Text, ids, CloseBeyondEnd)
	}
}

// A stream opened with ServeChecked is closed with CloseUnauthorized once its check refuses it,
// and goes on while the check cannot tell (the store is down).
func TestCheckedStreamClosedWhenRefused(t *testing.T) {
	h := newHarness(t, Options{CheckInterval: 20 * time.Millisecond}, false)
	var state atomic.Int32 // 0 ok, 1 store down, 2 refused
	var checks atomic.Int64
	h.check = func(context.Context) error {
		checks.Add(1)
		switch state.Load() {
		case 1:
			return dispatcher.Errorf(dispatcher.EUnavailable, "store down")
		case 2:
			return dispatcher.Errorf(dispatcher.EUnauthorized, "token revoked")
		}
		return nil
	}
	h.start()
	conn := h.dial("centre", 0)
	expectLive(t, conn, 0)

	state.Store(1)
	seen := checks.Load()
	eventually(t, "two checks while the store is down", func() bool { return checks.Load() >= seen+2 })
	last := h.publish(events(1)...)
	if m, raw := next(t, conn); m.ID != last {
		t.Fatalf("after failed checks got %s, want event %d", raw, last)
	}

	state.Store(2)
	ce, _ := expectClose(t, conn)
	if ce.Code != CloseUnauthorized || !strings.HasPrefix(ce.Text, "sign in again") {
		t.Fatalf("close %d %q, want %d saying sign in again", ce.Code, ce.Text, CloseUnauthorized)
	}
}

package stream

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"cityhub/dispatcher"
)

// queued is an encoded event waiting in a stream's queue. data is shared by every stream.
type queued struct {
	id   int64
	data []byte
}

// client is one stream.
type client struct {
	hub   *Hub
	conn  *websocket.Conn
	actor dispatcher.Actor
	queue chan queued

	// mu guards catchingUp and missed, the hand-over from backlog to live.
	mu         sync.Mutex
	catchingUp bool // the backlog is still being sent: an overflow only sets missed
	missed     bool // the hub dropped an offer while catching up

	// backlogEnd is the id of the last event the backlog sent, set when the stream goes live (0
	// until then). The hub's cursor may be behind it (skipWhileIdle): the hub skips those events
	// instead of queuing them, however many they are.
	backlogEnd atomic.Int64

	dropOnce sync.Once
	dropped  chan struct{} // closed when the live queue overflowed

	readerDone chan struct{} // closed when the reader goroutine ends (the console is gone)

	check func(context.Context) error // may the stream go on? (nil: always)

	lastSent int64 // the id of the last event written; owned by the writer
}

// offer hands m to the stream without ever blocking the hub.
func (c *client) offer(m queued) {
	select {
	case c.queue <- m:
		return
	default:
	}
	c.mu.Lock()
	if c.catchingUp {
		c.missed = true
		c.mu.Unlock()
		return
	}
	// The hub looked before the stream went live; backlogEnd was set with catchingUp cleared.
	sent := c.sent(m.id)
	c.mu.Unlock()
	if !sent {
		c.dropOnce.Do(func() { close(c.dropped) })
	}
}

// sent reports whether the event with the id went out with the stream's backlog.
func (c *client) sent(id int64) bool { return id <= c.backlogEnd.Load() }

// read handles control frames and notices the console going away. Data messages are discarded.
func (c *client) read(cancel context.CancelFunc) {
	defer cancel() // after readerDone is closed, so a failed store read can tell why it failed
	defer close(c.readerDone)
	wait := c.hub.pongWait
	c.conn.SetReadLimit(maxInbound)
	_ = c.conn.SetReadDeadline(time.Now().Add(wait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(wait))
	})
	for {
		if _, _, err := c.conn.NextReader(); err != nil {
			return
		}
	}
}

// outcome is why the writer stops.
type outcome int

const (
	goOn     outcome = iota
	gone             // the connection is broken or the console left: just close it
	shutdown         // the hub is closing
	slow             // the live queue overflowed
	refused          // the check says the stream may not go on
)

// write is the stream's writer: the backlog, the stream.live mark, then live events.
func (c *client) write(ctx context.Context, since int64) {
	h := c.hub
	ping := time.NewTicker(h.opts.PingInterval)
	defer ping.Stop()
	c.lastSent = since
	var checks <-chan time.Time
	if c.check != nil {
		t := time.NewTicker(h.opts.CheckInterval)
		defer t.Stop()
		checks = t.C
	}
	if last, ok := c.withinLog(ctx, since); !ok {
		c.closeWith(CloseBeyondEnd, fmt.Sprintf("since=%d is beyond the last event %d: reload, then resume with since=%d", since, last, last))
		return
	}

	// Backlog. pos is how far the store has been read, lastSent how far the console has been sent.
	pos := since
	for {
		for {
			evs, err := h.store.EventsAfter(ctx, pos, h.opts.PageSize)
			if err != nil {
				if o := c.interrupted(ctx, ping, checks); o != goOn {
					c.finish(o)
					return
				}
				h.log.Warn("stream: reading the backlog", "login", c.actor.Login, "after", pos, "err", err)
				c.closeWith(CloseTryAgainLater, fmt.Sprintf("store unavailable: reconnect with since=%d", c.lastSent))
				return
			}
			for _, ev := range evs {
				if o := c.interrupted(ctx, ping, checks); o != goOn {
					c.finish(o)
					return
				}
				pos = ev.ID
				if !dispatcher.CanSeeEvent(c.actor, ev) {
					continue
				}
				b := h.encode(ev)
				if b == nil {
					continue
				}
				if !c.send(b) {
					return
				}
				c.lastSent = ev.ID
			}
			if len(evs) < h.opts.PageSize {
				break
			}
		}
		c.mu.Lock()
		if !c.missed {
			c.backlogEnd.Store(c.lastSent)
			c.catchingUp = false
			c.mu.Unlock()
			break
		}
		// The queue overflowed while the backlog was being sent. Whatever the hub offered is in
		// the store already: empty the queue and read the store again from pos.
		c.missed = false
		c.mu.Unlock()
		c.drain()
	}
	if !c.send(encodeControl(TypeLive, c.lastSent)) {
		return
	}

	// Live.
	for {
		select {
		case <-c.dropped:
			c.finish(slow)
			return
		default:
		}
		select {
		case m := <-c.queue:
			if m.id <= c.lastSent {
				continue
			}
			if !c.send(m.data) {
				return
			}
			c.lastSent = m.id
		case <-ping.C:
			if !c.ping() {
				return
			}
		case <-checks:
			if !c.allowed(ctx) {
				c.finish(refused)
				return
			}
		case <-c.dropped:
		case <-h.closing:
			c.finish(shutdown)
			return
		case <-c.readerDone:
			return
		}
	}
}

// interrupted checks, without waiting, whether the backlog must stop, and pings and runs the
// check when it is time.
func (c *client) interrupted(ctx context.Context, ping *time.Ticker, checks <-chan time.Time) outcome {
	select {
	case <-c.hub.closing:
		return shutdown
	case <-c.readerDone:
		return gone
	case <-ping.C:
		if !c.ping() {
			return gone
		}
	case <-checks:
		if !c.allowed(ctx) {
			return refused
		}
	default:
	}
	return goOn
}

// allowed runs the stream's check: only an EUnauthorized answer ends the stream.
func (c *client) allowed(ctx context.Context) bool {
	err := c.check(ctx)
	if err != nil && dispatcher.ErrorCode(err) != dispatcher.EUnauthorized {
		c.hub.log.Debug("stream: the check failed; going on", "login", c.actor.Login, "err", err)
		return true
	}
	return err == nil
}

// withinLog reports whether since is within the log (at most its last event id, which it also
// returns), giving the log HorizonGrace to reach it. When the store cannot say, it assumes so:
// reading the backlog will fail in its own way.
func (c *client) withinLog(ctx context.Context, since int64) (int64, bool) {
	if since <= c.hub.known.Load() { // the common case costs no query
		return since, true
	}
	last, err := c.hub.store.LastEventID(ctx)
	if err != nil || since <= last {
		return last, true
	}
	t := time.NewTimer(c.hub.opts.HorizonGrace)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return last, true
	case <-t.C:
	}
	last, err = c.hub.store.LastEventID(ctx)
	return last, err != nil || since <= last
}

func (c *client) finish(o outcome) {
	switch o {
	case shutdown:
		c.closeWith(CloseGoingAway, "going away")
	case slow:
		c.hub.log.Info("stream: slow consumer dropped", "login", c.actor.Login, "since", c.lastSent)
		c.closeWith(CloseSlowConsumer, fmt.Sprintf("slow consumer: reconnect with since=%d", c.lastSent))
	case refused:
		c.closeWith(CloseUnauthorized, "sign in again: the token was revoked or has expired")
	}
}

func (c *client) drain() {
	for {
		select {
		case <-c.queue:
		default:
			return
		}
	}
}

// send writes one text message under a deadline; false means the connection is unusable.
func (c *client) send(b []byte) bool {
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.hub.opts.WriteTimeout)); err != nil {
		return false
	}
	return c.conn.WriteMessage(websocket.TextMessage, b) == nil
}

func (c *client) ping() bool {
	return c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.hub.opts.WriteTimeout)) == nil
}

// closeWait bounds how long a stream waits for the console to answer its close frame.
const closeWait = 2 * time.Second

// closeWith sends a close frame and waits (at most closeWait or WriteTimeout, whichever is less)
// for the console to answer it before the connection is closed.
func (c *client) closeWith(code int, reason string) {
	wt := c.hub.opts.WriteTimeout
	msg := websocket.FormatCloseMessage(code, reason)
	if err := c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(wt)); err != nil {
		return
	}
	t := time.NewTimer(min(wt, closeWait))
	defer t.Stop()
	select {
	case <-c.readerDone:
	case <-t.C:
	}
}

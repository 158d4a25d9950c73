package redis

import (
	"context"
	"errors"
	"math"
	"net"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// SyntheticWakeUp is the id carried by a wake-up that does not come from a Publish: the ones sent
// while the subscription is broken and the one sent when it is back. It means "events may exist
// that you have not read; read the store". It is the largest int64 so that a reader that skips
// ids at or below its cursor (as web/stream's hub does) never skips it, and so that coalescing,
// which keeps the largest id, never hides it behind a real one.
const SyntheticWakeUp int64 = math.MaxInt64

// Pauses between attempts to restore a broken subscription.
const (
	minRetryPause = 50 * time.Millisecond
	maxRetryPause = time.Second
)

// Subscribe registers a subscriber. Its channel holds at most one wake-up: a newer one replaces
// (coalesces with) one not yet taken, keeping the largest id, and a subscriber that does not read
// never blocks anybody. Ids are not monotonic: the echo of an id this Client published may arrive
// after a larger one. The returned function ends the subscription (the channel is not closed);
// it may be called more than once. After Close the channel gets no more wake-ups.
func (c *Client) Subscribe() (<-chan int64, func()) {
	ch := make(chan int64, 1)
	c.subsMu.Lock()
	c.subs[ch] = struct{}{}
	c.subsMu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			c.subsMu.Lock()
			delete(c.subs, ch)
			c.subsMu.Unlock()
		})
	}
}

// fanout offers id to every local subscriber.
func (c *Client) fanout(id int64) {
	c.subsMu.Lock()
	defer c.subsMu.Unlock()
	for ch := range c.subs {
		coalesce(ch, id)
	}
}

// coalesce leaves max(id, pending) in the one-slot channel ch without blocking. The caller holds
// subsMu, so it is the only goroutine that sends on ch: once the slot has been emptied (by us or
// by the subscriber), the final send cannot block.
func coalesce(ch chan int64, id int64) {
	select {
	case ch <- id:
		return
	default:
	}
	select {
	case pending := <-ch:
		id = max(id, pending)
	default: // the subscriber took the pending value in between
	}
	ch <- id
}

// pollWhileDown wakes every subscriber each DownPollInterval while the subscription is broken.
func (c *Client) pollWhileDown() {
	defer c.wg.Done()
	t := time.NewTicker(c.opts.DownPollInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			if !c.connected.Load() {
				c.fanout(SyntheticWakeUp)
			}
		}
	}
}

// listen owns the PubSub: it receives wake-ups, checks the connection's health and keeps the
// Connected state (see the package documentation).
func (c *Client) listen() {
	defer c.wg.Done()
	ps := c.resubscribe(nil)
	pinged := false // a PING is out and nothing has been received since
	pause := minRetryPause
	for ps != nil {
		msg, err := c.receive(ps)
		if c.ctx.Err() != nil {
			return // Close has closed ps
		}
		if err == nil {
			pinged = false
			switch m := msg.(type) {
			case *goredis.Subscription:
				if m.Kind == "subscribe" && m.Channel == c.channel {
					pause = minRetryPause
					if c.connected.Load() {
						// A confirmation while up: go-redis replaced the connection without
						// reporting an error to us, and wake-ups may have been lost meanwhile.
						c.fanout(SyntheticWakeUp)
						continue
					}
					c.up()
				}
			case *goredis.Message:
				if m.Channel != c.channel {
					continue
				}
				c.up() // only a subscribed connection receives messages
				id, perr := strconv.ParseInt(m.Payload, 10, 64)
				if perr != nil {
					c.log.Debug("redis: ignoring a malformed wake-up", "channel", m.Channel, "payload", m.Payload)
					continue
				}
				c.fanout(id)
			case *goredis.Pong:
				if !c.connected.Load() {
					// The connection answers, but no SUBSCRIBE was confirmed on it since the
					// subscription broke: do not trust it.
					ps = c.resubscribe(ps)
				}
			}
			continue
		}
		if isTimeout(err) {
			if pinged {
				c.down(errors.New("the subscription connection did not answer PING"))
				pinged = false
				ps = c.resubscribe(ps)
				continue
			}
			pctx, cancel := context.WithTimeout(c.ctx, c.opts.HealthInterval)
			err = ps.Ping(pctx)
			cancel()
			if err == nil {
				pinged = true
				continue
			}
			if c.ctx.Err() != nil {
				return
			}
		}
		// The connection is broken or cannot be made; go-redis redials and subscribes again on
		// the next receive.
		c.down(err)
		pinged = false
		if !c.sleep(pause) {
			return
		}
		pause = min(2*pause, maxRetryPause)
	}
}

// receive waits up to HealthInterval for a message. A receive after a failure first dials and
// subscribes again: the deadline, OpTimeout past the receive's own, bounds that handshake too
// (see resubscribe).
func (c *Client) receive(ps *goredis.PubSub) (any, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.HealthInterval+c.opts.OpTimeout)
	defer cancel()
	return ps.ReceiveTimeout(ctx, c.opts.HealthInterval)
}

// resubscribe closes old (if any) and subscribes afresh. It returns nil once the Client is closed.
func (c *Client) resubscribe(old *goredis.PubSub) *goredis.PubSub {
	if old != nil {
		_ = old.Close()
	}
	// Subscribe dials and sends SUBSCRIBE now if it can; if it cannot, the channel is recorded
	// and the next receive dials and subscribes. The handshake of a new connection waits for the
	// server's answer, which a stopped server never sends, and cancelling c.ctx does not end that
	// wait: only a deadline does, so that Close never waits longer than OpTimeout for it.
	ctx, cancel := c.opContext(c.ctx)
	ps := c.rdb.Subscribe(ctx, c.channel)
	cancel()
	c.psMu.Lock()
	defer c.psMu.Unlock()
	if c.closed {
		_ = ps.Close()
		return nil
	}
	c.ps = ps
	return ps
}

// up marks the subscription established; after a loss (or at the start) it wakes every subscriber,
// since events may have been written while no wake-up could arrive.
// Only listen calls up and down (Close resets the state after listen has returned). The wake-up
// is sent before Connected turns true, so a caller that sees Connected finds it already queued.
func (c *Client) up() {
	if c.connected.Load() {
		return
	}
	c.fanout(SyntheticWakeUp)
	c.connected.Store(true)
	if c.losses.Load() > 0 {
		c.log.Info("redis: wake-up subscription restored", "channel", c.channel)
	} else {
		c.log.Debug("redis: wake-up subscription established", "channel", c.channel)
	}
}

// down marks the subscription broken.
func (c *Client) down(err error) {
	if !c.connected.Load() {
		return
	}
	c.connected.Store(false)
	c.losses.Add(1)
	c.log.Warn("redis: wake-up subscription lost; subscribers are woken every poll interval until it is back",
		"channel", c.channel, "poll", c.opts.DownPollInterval, "err", err)
}

// sleep waits d unless the Client is closed first (then it returns false).
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// isTimeout reports whether err is a read deadline passing (ReceiveTimeout found nothing).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
